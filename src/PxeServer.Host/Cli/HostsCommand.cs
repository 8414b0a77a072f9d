using System.CommandLine;
using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using PxeServer.Catalog.Editing;
using PxeServer.Catalog.Loading;
using PxeServer.Catalog.Model;
using PxeServer.Protocols;

namespace PxeServer.Host.Cli;

/// <summary><c>pxe hosts add|list|remove</c>: the MAC → profile entries of <c>hosts.yaml</c>.</summary>
internal static class HostsCommand
{
    public static Command Create()
    {
        var command = new Command("hosts", "Maintain hosts.yaml: which MAC boots which profile (exact MACs; list and prefix rules are edited in the file).");
        command.Subcommands.Add(Add());
        command.Subcommands.Add(List());
        command.Subcommands.Add(Remove());
        return command;
    }

    private static Command Add()
    {
        var common = new CatalogCli();
        var mac = new Argument<string>("MAC") { Description = "The NIC's MAC, any spelling (de:00:00:00:00:de, DE-00-00-00-00-DE, de00.0000.00de)." };
        var profile = new Argument<string>("PROFILE") { Description = "Profile to boot." };
        var name = new Option<string?>("--name") { Description = "Host name (also the VM name in the manifests).", HelpName = "NAME" };
        var ip = new Option<string?>("--ip") { Description = "Reserved IPv4 address (full DHCP mode).", HelpName = "ADDR" };
        var firmware = new Option<string>("--firmware") { Description = "bios (default) or efi: the VM firmware in the manifests.", HelpName = "FW", DefaultValueFactory = _ => "bios" };
        firmware.AcceptOnlyFromAmong("bios", "efi");
        var command = new Command("add", "Add or replace the entry for MAC.") { mac, profile, name, ip, firmware };
        common.AddTo(command);
        command.SetAction((parse, ct) => common.RunAsync(parse, ctx =>
        {
            string macText = parse.GetValue(mac)!;
            if (!MacAddress.TryParse(macText, out var m) || !m.IsUnicast)
            {
                ctx.Err.WriteLine($"pxe hosts add: '{macText}' is not a unicast MAC address (e.g. de:00:00:00:00:de)");
                return ExitCodes.UsageError;
            }

            IPAddress? address = null;
            if (parse.GetValue(ip) is { } ipText && (!IPAddress.TryParse(ipText, out address) || address.AddressFamily != AddressFamily.InterNetwork))
            {
                ctx.Err.WriteLine($"pxe hosts add: --ip '{ipText}' is not an IPv4 address");
                return ExitCodes.UsageError;
            }

            var fw = CatalogLoader.TryParseFirmware(parse.GetValue(firmware), out var f) ? f : FirmwareKind.Bios;
            string? hostName = parse.GetValue(name);
            if (!File.Exists(Path.Combine(ctx.Editor.Directory, CatalogLoader.HostsFile)) && !Directory.Exists(ctx.Editor.Directory))
            {
                ctx.Err.WriteLine($"pxe hosts add: catalog directory '{ctx.Editor.Directory}' does not exist");
                return ExitCodes.UsageError;
            }

            bool replaced = ctx.Editor.AddHost(m, parse.GetValue(profile)!, hostName, address, fw);
            if (ctx.Json)
            {
                ctx.WriteJson(new JsonObject { ["mac"] = m.ToString(), ["profile"] = parse.GetValue(profile), ["replaced"] = replaced });
            }
            else
            {
                ctx.Out.WriteLine($"{(replaced ? "Replaced" : "Added")} host {m} -> {parse.GetValue(profile)}");
            }

            return ExitCodes.Success;
        }, ct));
        return command;
    }

    private static Command List()
    {
        var common = new CatalogCli();
        var command = new Command("list", "List host entries and rules, in matching priority order.");
        common.AddTo(command);
        command.SetAction((parse, ct) => common.RunAsync(parse, ctx =>
        {
            var s = ctx.Editor.Load();
            if (ctx.Json)
            {
                ctx.WriteJson(new JsonObject
                {
                    ["hosts"] = new JsonArray([.. s.Hosts.Select(h => (JsonNode)new JsonObject
                    {
                        ["mac"] = h.Mac.ToString(),
                        ["profile"] = h.Profile,
                        ["name"] = h.Name,
                        ["ip"] = h.ReservedAddress?.ToString(),
                        ["firmware"] = h.Firmware == FirmwareKind.Efi ? "efi" : "bios",
                    })]),
                    ["rules"] = new JsonArray([.. s.Rules.Select(r => (JsonNode)new JsonObject
                    {
                        ["name"] = r.Name,
                        ["profile"] = r.Profile,
                        ["prefix"] = r.Prefix?.ToString(),
                        ["macs"] = new JsonArray([.. r.Macs.Select(m => (JsonNode)m.ToString())]),
                    })]),
                });
                return ExitCodes.Success;
            }

            ctx.WriteTable(["MAC", "NAME", "PROFILE", "IP", "FIRMWARE"], s.Hosts.Select(h => new[]
            {
                h.Mac.ToString(), h.Name ?? "-", h.Profile, h.ReservedAddress?.ToString() ?? "-", h.Firmware == FirmwareKind.Efi ? "efi" : "bios",
            }));
            if (s.Rules.Count > 0)
            {
                ctx.Out.WriteLine();
                ctx.WriteTable(["RULE", "KIND", "MATCHES", "PROFILE"], s.Rules.Select(r => new[]
                {
                    r.Name, r.Prefix is null ? "mac list" : "prefix",
                    r.Prefix?.ToString() ?? string.Join(",", r.Macs.Select(m => m.ToString())), r.Profile,
                }));
            }

            return ExitCodes.Success;
        }, ct));
        return command;
    }

    private static Command Remove()
    {
        var common = new CatalogCli();
        var mac = new Argument<string>("MAC") { Description = "The MAC to remove, any spelling." };
        var command = new Command("remove", "Remove the entry for MAC.") { mac };
        common.AddTo(command);
        command.SetAction((parse, ct) => common.RunAsync(parse, ctx =>
        {
            string macText = parse.GetValue(mac)!;
            if (!MacAddress.TryParse(macText, out var m))
            {
                ctx.Err.WriteLine($"pxe hosts remove: '{macText}' is not a MAC address");
                return ExitCodes.UsageError;
            }

            if (!ctx.Editor.RemoveHost(m))
            {
                ctx.Err.WriteLine($"pxe hosts remove: no host entry for {m}");
                return ExitCodes.RuntimeFailure;
            }

            if (ctx.Json)
            {
                ctx.WriteJson(new JsonObject { ["removed"] = m.ToString() });
            }
            else
            {
                ctx.Out.WriteLine($"Removed host {m}");
            }

            return ExitCodes.Success;
        }, ct));
        return command;
    }
}
