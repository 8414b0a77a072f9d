using System.CommandLine;
using System.Net;
using System.Text.Json.Nodes;
using PxeServer.Catalog.Model;
using PxeServer.Catalog.Planning;
using PxeServer.Protocols;
using PxeServer.Protocols.Dhcp;

namespace PxeServer.Host.Cli;

/// <summary><c>pxe explain MAC</c>: what that client would get and why, from the same planner the daemon uses.</summary>
internal static class ExplainCommand
{
    public static Command Create()
    {
        var common = new CatalogCli();
        var mac = new Argument<string>("MAC") { Description = "The client's MAC, any spelling." };
        var arch = new Option<int?>("--arch")
        {
            Description = "DHCP option 93: 0 BIOS, 6 x86 UEFI, 7/9 x64 UEFI, 10 ARM32 UEFI, 11 ARM64 UEFI, 16 x64 HTTP, 19 ARM64 HTTP (default: none, i.e. BIOS).",
            HelpName = "N",
        };
        var ipxe = new Option<bool>("--ipxe") { Description = "The client is already iPXE (option 77 'iPXE' / option 175), as QEMU's BIOS NIC ROM is." };
        var server = new Option<string?>("--server") { Description = "Next-server address to render (default: server.address from the configuration).", HelpName = "ADDR" };
        var clientIp = new Option<string?>("--ip") { Description = "The client's address, for ${ip}.", HelpName = "ADDR" };
        var command = new Command("explain", """
            Show what a client would get and why: matched rule, profile, boot file, next-server and the rendered
            per-MAC config (iPXE script or pxelinux.cfg). Uses dhcp.unknownClients and catalog.defaultProfile from the configuration.
            """)
        {
            mac, arch, ipxe, server, clientIp,
        };
        common.AddTo(command);
        command.SetAction((parse, ct) => common.RunAsync(parse, ctx =>
        {
            string macText = parse.GetValue(mac)!;
            if (!MacAddress.TryParse(macText, out var m))
            {
                ctx.Err.WriteLine($"pxe explain: '{macText}' is not a MAC address (e.g. de:00:00:00:00:de)");
                return ExitCodes.UsageError;
            }

            int? a = parse.GetValue(arch);
            if (a is < 0 or > ushort.MaxValue)
            {
                ctx.Err.WriteLine($"pxe explain: --arch {a} is out of range (0..65535)");
                return ExitCodes.UsageError;
            }

            IPAddress? next = null, client = null;
            if (parse.GetValue(server) is { } sText && !IPAddress.TryParse(sText, out next))
            {
                ctx.Err.WriteLine($"pxe explain: --server '{sText}' is not an IP address");
                return ExitCodes.UsageError;
            }

            if (parse.GetValue(clientIp) is { } cText && !IPAddress.TryParse(cText, out client))
            {
                ctx.Err.WriteLine($"pxe explain: --ip '{cText}' is not an IP address");
                return ExitCodes.UsageError;
            }

            var snapshot = ctx.Editor.Load();
            var options = CatalogCli.PlannerOptions(ctx.Settings, next);
            bool isIpxe = parse.GetValue(ipxe);
            var request = new BootRequest(m, a is null ? null : (ClientArchitecture)a.Value, isIpxe, isIpxe ? "iPXE" : null, null, client);
            var d = BootPlanner.Decide(snapshot, request, options);
            string? config = null;
            if (d.ConfigFile is not null)
            {
                BootPlanner.TryRender(snapshot, d.ConfigFile, client, options, out config);
            }

            if (ctx.Json)
            {
                ctx.WriteJson(new JsonObject
                {
                    ["mac"] = m.ToString(),
                    ["architecture"] = a,
                    ["ipxe"] = isIpxe,
                    ["outcome"] = d.Outcome.ToString().ToLowerInvariant(),
                    ["match"] = d.Match.ToString(),
                    ["matchedRule"] = d.MatchedRule,
                    ["profile"] = d.Profile,
                    ["hostname"] = d.Hostname,
                    ["reservedAddress"] = d.ReservedAddress?.ToString(),
                    ["chain"] = d.Chain,
                    ["bootFile"] = d.BootFile,
                    ["nextServer"] = d.NextServer?.ToString(),
                    ["configFile"] = d.ConfigFile,
                    ["config"] = config,
                    ["reason"] = d.Reason,
                });
                return ExitCodes.Success;
            }

            var o = ctx.Out;
            o.WriteLine($"Client:       {m}, {BootPlanner.DescribeArchitecture(request.Architecture)}, {(isIpxe ? "already iPXE" : "not iPXE")}");
            o.WriteLine($"Outcome:      {d.Outcome.ToString().ToLowerInvariant()}");
            o.WriteLine($"Matched:      {MatchText(d)}");
            o.WriteLine($"Profile:      {d.Profile ?? "-"}");
            if (d.Hostname is not null || d.ReservedAddress is not null)
            {
                o.WriteLine($"Host:         {d.Hostname ?? "-"}{(d.ReservedAddress is null ? string.Empty : $" (reserved {d.ReservedAddress})")}");
            }

            o.WriteLine($"Chain:        {d.Chain ?? "-"}");
            o.WriteLine($"Boot file:    {d.BootFile ?? "-"}");
            o.WriteLine($"Next-server:  {(d.Outcome != BootOutcome.Boot ? "-" : d.NextServer?.ToString() ?? "(the address of the interface that answers; set server.address or --server)")}");
            o.WriteLine($"Config file:  {d.ConfigFile ?? "-"}");
            o.WriteLine($"Reason:       {d.Reason}");
            if (config is not null && d.Outcome == BootOutcome.Boot)
            {
                o.WriteLine();
                o.WriteLine($"--- {d.ConfigFile} ---");
                o.Write(config);
            }

            return ExitCodes.Success;
        }, ct));
        return command;
    }

    private static string MatchText(BootDecision d) => d.Match switch
    {
        MatchKind.ExactMac => $"exact MAC ({d.MatchedRule})",
        MatchKind.MacList => $"MAC list rule '{d.MatchedRule}'",
        MatchKind.MacPrefix => $"MAC prefix rule {d.MatchedRule}",
        MatchKind.Default => "default profile (unknown MAC, dhcp.unknownClients: default)",
        _ => "nothing (unknown MAC)",
    };
}
