using System.CommandLine;
using Microsoft.Extensions.Logging;
using PxeServer.Host.Configuration;
using PxeServer.Host.Hosting;

namespace PxeServer.Host.Cli;

/// <summary><c>pxe serve</c>: runs the daemon.</summary>
internal static class ServeCommand
{
    public static Command Create()
    {
        var config = ConfigCliOptions.CreateConfigOption();
        var iface = new Option<string?>("--interface", "-i")
        {
            Description = "Interface to serve on, e.g. br1.10 (server.interface).",
            HelpName = "IF",
        };
        var address = new Option<string?>("--address", "-a")
        {
            Description = "Our IPv4 address on that interface; the next-server clients fetch from (server.address).",
            HelpName = "IP",
        };
        var dhcpMode = new Option<string?>("--dhcp-mode")
        {
            Description = "full (addresses + boot info), proxy (boot info next to another DHCP server) or off (dhcp.mode).",
            HelpName = "MODE",
        };
        dhcpMode.AcceptOnlyFromAmong("full", "proxy", "off");
        var tftpPort = new Option<int?>("--tftp-port")
        {
            Description = "UDP port for TFTP read requests (tftp.port, default 69).",
            HelpName = "PORT",
        };
        var tftpRoot = new Option<string?>("--tftp-root")
        {
            Description = "Directory served over TFTP (tftp.root).",
            HelpName = "DIR",
        };
        var catalog = new Option<string?>("--catalog")
        {
            Description = "Boot-image catalog directory (catalog.path).",
            HelpName = "DIR",
        };
        var logLevel = new Option<LogLevel>("--log-level")
        {
            Description = "Minimum log level: Trace, Debug, Information, Warning, Error.",
            DefaultValueFactory = _ => LogLevel.Information,
            HelpName = "LEVEL",
        };

        var command = new Command("serve", """
            Run the PXE daemon: DHCP or ProxyDHCP (ports 67 and 4011) and TFTP, answering from the boot-image catalog.
            Settings come from the YAML file, then PXE_ environment variables (PXE_TFTP__PORT=6969), then these flags.
            Logs one line when ready naming every listener; stops cleanly on SIGTERM or Ctrl-C.
            Exit codes: 0 after a clean stop, 1 when a listener cannot start, 2 for a usage or configuration error.
            """)
        {
            config, iface, address, dhcpMode, tftpPort, tftpRoot, catalog, logLevel,
        };

        command.SetAction((parse, ct) =>
        {
            var overrides = new Dictionary<string, ConfigOverride>(StringComparer.OrdinalIgnoreCase);
            void Set(string key, string? value, string flag)
            {
                if (value is not null)
                {
                    overrides[key] = new ConfigOverride(value, flag);
                }
            }

            Set("server:interface", parse.GetValue(iface), "--interface");
            Set("server:address", parse.GetValue(address), "--address");
            Set("dhcp:mode", parse.GetValue(dhcpMode), "--dhcp-mode");
            Set("tftp:port", parse.GetValue(tftpPort)?.ToString(System.Globalization.CultureInfo.InvariantCulture), "--tftp-port");
            Set("tftp:root", parse.GetValue(tftpRoot), "--tftp-root");
            Set("catalog:path", parse.GetValue(catalog), "--catalog");

            var stderr = parse.InvocationConfiguration.Error;
            var settings = ConfigCliOptions.TryLoad(parse.GetValue(config), overrides, stderr);
            if (settings is null)
            {
                return Task.FromResult(ExitCodes.UsageError);
            }

            return Daemon.RunAsync(settings, parse.GetValue(logLevel), parse.InvocationConfiguration.Output, stderr, ct);
        });

        return command;
    }
}
