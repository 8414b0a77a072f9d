using System.Net;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PxeServer.Catalog.Planning;
using PxeServer.Dhcp;
using PxeServer.Protocols;
using PxeServer.Protocols.Dhcp;
using PxeServer.Transport;

// Usage: harness --interface IF --mode full|proxy [--address IP] [--pool START END MASK] [--router IP]
//        [--lease-store FILE] [--lease-time S] [--reserve MAC=IP]... [--ignore MAC]... [--log debug|information|warning]
// Prints "READY" when listening; "START FAILED: <message>" and exit 1 when it cannot start. Stops on SIGTERM/SIGINT.
var dhcp = new DhcpOptions();
var server = new ServerOptions();
var reservations = new Dictionary<MacAddress, IPAddress>();
var ignored = new HashSet<MacAddress>();
var level = LogLevel.Information;
for (int i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--interface": server.Interfaces.Add(args[++i]); break;
        case "--address": server.Address = args[++i]; break;
        case "--mode": dhcp.Mode = Enum.Parse<DhcpMode>(args[++i], ignoreCase: true); break;
        case "--pool":
            dhcp.Pool.Start = args[++i];
            dhcp.Pool.End = args[++i];
            dhcp.Pool.SubnetMask = args[++i];
            break;
        case "--router": dhcp.Pool.Router = args[++i]; break;
        case "--lease-store": dhcp.LeaseStore = args[++i]; break;
        case "--lease-time": dhcp.Pool.LeaseTime = int.Parse(args[++i], System.Globalization.CultureInfo.InvariantCulture); break;
        case "--port": dhcp.Port = int.Parse(args[++i], System.Globalization.CultureInfo.InvariantCulture); break;
        case "--reserve":
            var kv = args[++i].Split('=');
            reservations[MacAddress.Parse(kv[0])] = IPAddress.Parse(kv[1]);
            break;
        case "--ignore": ignored.Add(MacAddress.Parse(args[++i])); break;
        case "--log": level = Enum.Parse<LogLevel>(args[++i], ignoreCase: true); break;
        default:
            Console.Error.WriteLine($"unknown argument {args[i]}");
            return 2;
    }
}

var errors = new List<string>();
dhcp.Validate(errors);
server.Validate(errors);
if (errors.Count > 0)
{
    Console.Error.WriteLine("START FAILED: " + string.Join("; ", errors));
    return 2;
}

using var loggerFactory = LoggerFactory.Create(b => b.SetMinimumLevel(level).AddSimpleConsole(o => o.SingleLine = true));
var planner = new HarnessPlanner(reservations, ignored);
var dhcpServer = new DhcpServer(Options.Create(dhcp), Options.Create(server), planner, loggerFactory.CreateLogger<DhcpServer>(), TimeProvider.System);
try
{
    await dhcpServer.StartAsync(CancellationToken.None);
}
catch (ListenerStartException e)
{
    Console.Error.WriteLine("START FAILED: " + e.Message);
    return 1;
}

using var stop = new CancellationTokenSource();
using var term = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, c =>
{
    c.Cancel = true;
    stop.Cancel();
});
// SIGUSR1 (10 on Linux): print the counters (benchmarks/dhcp/compare.sh reads them after every rate).
using var usr1 = System.Runtime.InteropServices.PosixSignalRegistration.Create((System.Runtime.InteropServices.PosixSignal)10, c =>
{
    c.Cancel = true;
    PrintStatistics(dhcpServer);
});
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stop.Cancel();
};
Console.WriteLine("READY " + string.Join(", ", dhcpServer.Listeners));
Console.Out.Flush();
try
{
    await Task.Delay(Timeout.Infinite, stop.Token);
}
catch (OperationCanceledException)
{
}

PrintStatistics(dhcpServer);
await dhcpServer.StopAsync(CancellationToken.None);
Console.WriteLine("STOPPED");
return 0;

static void PrintStatistics(DhcpServer server)
{
    var s = server.Statistics;
    Console.WriteLine($"STATS received={s.Received} malformed={s.Malformed} replied={s.Replied} noreply={s.Dropped} " +
        $"committed={s.LeaseChangesCommitted} queue-dropped={s.CommitQueueDropped} batches={s.CommitBatches} max-batch={s.MaxCommitBatch} max-commit-ms={s.MaxCommitTime.TotalMilliseconds:F0} gc0={GC.CollectionCount(0)} gc1={GC.CollectionCount(1)} gc2={GC.CollectionCount(2)} gcpause-ms={GC.GetTotalPauseDuration().TotalMilliseconds:F0} alloc-bytes={GC.GetTotalAllocatedBytes()}");
    Console.Out.Flush();
}

/// <summary>Boots every MAC (loader by architecture) except the ignored ones; reservations from the command line.</summary>
internal sealed class HarnessPlanner(Dictionary<MacAddress, IPAddress> reservations, HashSet<MacAddress> ignored) : IBootPlanner
{
    public BootDecision Decide(BootRequest request)
    {
        if (ignored.Contains(request.Mac))
        {
            return BootDecision.Ignored("unknown MAC (harness --ignore)");
        }

        string file = request.IsIpxe
            ? $"ipxe/01-{request.Mac.ToString('-')}.ipxe"
            : request.Architecture switch
            {
                null or ClientArchitecture.X86Bios => "loaders/undionly.kpxe",
                ClientArchitecture.X64Uefi or ClientArchitecture.X64UefiAlt => "loaders/ipxe.efi",
                _ => "loaders/other.efi",
            };
        return new BootDecision
        {
            Outcome = BootOutcome.Boot,
            Reason = "harness",
            BootFile = file,
            ReservedAddress = reservations.GetValueOrDefault(request.Mac),
        };
    }

    public bool TryGetVirtualFile(string path, IPAddress? client, out ReadOnlyMemory<byte> content)
    {
        content = default;
        return false;
    }
}
