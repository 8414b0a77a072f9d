using System.CommandLine;
using PxeServer.Transport;
using PxeServer.Transport.Pcap;

namespace PxeServer.Host.Cli;

/// <summary>
/// <c>pxe sniff --interface IF [--write FILE.pcap] [--count N]</c>: decodes DHCP, ProxyDHCP, PXE boot server (4011)
/// and TFTP traffic live, one line per message.
/// </summary>
internal static class SniffCommand
{
    public static Command Create()
    {
        var iface = new Option<string>("--interface", "-i") { Description = "Interface to capture on (e.g. br1.10).", Required = true, HelpName = "IF" };
        var write = new Option<string?>("--write", "-w") { Description = "Also write every captured UDP frame to this pcap file.", HelpName = "FILE.pcap" };
        var count = new Option<int>("--count", "-c") { Description = "Stop after N decoded messages (default: run until Ctrl-C).", HelpName = "N" };
        var command = new Command("sniff", """
            Watch a boot on the wire: one line per DHCP / ProxyDHCP / PXE boot server / TFTP message (MAC, type, arch,
            user class, offered address, boot file; TFTP file, options, progress). Needs root or CAP_NET_RAW.
            """)
        {
            iface, write, count,
        };
        command.SetAction(async (parse, ct) =>
        {
            string name = parse.GetValue(iface)!;
            int n = parse.GetValue(count);
            if (n < 0)
            {
                await Console.Error.WriteLineAsync($"pxe sniff: --count {n} must be 0 or more");
                return ExitCodes.UsageError;
            }

            try
            {
                // Capture blocks: keep it off the thread pool.
                await Task.Factory.StartNew(
                    () => BootSniffer.Run(name, parse.GetValue(write), n, Console.Out, ready: null, ct),
                    ct, TaskCreationOptions.LongRunning, TaskScheduler.Default);
                return ExitCodes.Success;
            }
            catch (OperationCanceledException)
            {
                return ExitCodes.Success;
            }
            catch (ListenerStartException e)
            {
                await Console.Error.WriteLineAsync($"pxe sniff: {e.Message}");
                return ExitCodes.RuntimeFailure;
            }
            catch (IOException e)
            {
                await Console.Error.WriteLineAsync($"pxe sniff: {e.Message}");
                return ExitCodes.RuntimeFailure;
            }
        });
        return command;
    }
}
