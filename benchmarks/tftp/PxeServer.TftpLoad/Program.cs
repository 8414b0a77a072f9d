using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Runtime.InteropServices;
using System.Net.Sockets;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using PxeServer.Protocols.Tftp;
using PxeServer.Tftp;
using PxeServer.Transport;

// TFTP load tool.
//   serve --root DIR --port N [--address 127.0.0.1] [--max-window 64] [--cache-max-bytes B] [--cache-max-file-bytes B] [--poll-spin-us 50]
//       hosts PxeServer's TftpServer alone (a stand-in for `pxe serve --dhcp-mode off ...`).
//   run --port N --file NAME --expect LOCAL [--host 127.0.0.1] [--clients 1] [--blksize 512] [--windowsize 1]
//       [--timeout-ms 1000] [--server-pid PID] [--label TEXT] [--warmup 0]
//       N concurrent RRQs (RFC 7440 receiver), every byte compared with LOCAL; prints one JSON line.
//       --warmup K first runs K untimed single transfers, so a 0.1 s transfer does not time the client's JIT;
//       --repeat R makes each client fetch the file R times in a row (per-client seconds and MB/s cover all R).
var parsed = Args.Parse(args);
return parsed.Command switch
{
    "serve" => await Serve.RunAsync(parsed),
    "run" => Load.Run(parsed),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: PxeServer.TftpLoad serve --root DIR --port N | run --port N --file NAME --expect LOCAL [--clients N] [--blksize B] [--windowsize W] [--server-pid PID]");
    return 2;
}

internal sealed class Args
{
    private readonly Dictionary<string, string> _values = [];

    public string Command { get; private set; } = string.Empty;

    public static Args Parse(string[] args)
    {
        var result = new Args { Command = args.Length > 0 ? args[0] : string.Empty };
        for (int i = 1; i + 1 < args.Length; i += 2)
        {
            result._values[args[i].TrimStart('-')] = args[i + 1];
        }

        return result;
    }

    public string Get(string name, string? fallback = null) =>
        _values.TryGetValue(name, out var v) ? v : fallback ?? throw new ArgumentException($"--{name} is required");

    public int GetInt(string name, int fallback) => _values.TryGetValue(name, out var v) ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;

    public long GetLong(string name, long fallback) => _values.TryGetValue(name, out var v) ? long.Parse(v, CultureInfo.InvariantCulture) : fallback;
}

internal static class Serve
{
    public static async Task<int> RunAsync(Args args)
    {
        var options = new TftpOptions
        {
            Root = args.Get("root"),
            Port = args.GetInt("port", 6969),
            MaxWindowSize = args.GetInt("max-window", 64),
            ActiveTransfers = args.GetInt("active-transfers", new TftpOptions().ActiveTransfers),
            PollSpinMicroseconds = args.GetInt("poll-spin-us", new TftpOptions().PollSpinMicroseconds),
            CacheMaxBytes = args.GetLong("cache-max-bytes", new TftpOptions().CacheMaxBytes),
            CacheMaxFileBytes = args.GetLong("cache-max-file-bytes", new TftpOptions().CacheMaxFileBytes),
            MaxSessionsPerClient = 100_000,
            RequestsPerSecond = 0,
        };
        var server = new TftpServer(Options.Create(options), Options.Create(new ServerOptions { Address = args.Get("address", "127.0.0.1") }), NullLogger<TftpServer>.Instance, TimeProvider.System);
        await server.StartAsync(CancellationToken.None);
        Console.WriteLine($"ready {server.LocalEndPoint}");
        var done = new TaskCompletionSource();
        using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; done.TrySetResult(); });
        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; done.TrySetResult(); });
        await done.Task;
        await server.StopAsync(CancellationToken.None);
        var s = server.Statistics;
        Console.WriteLine($"served {s.SessionsCompleted} transfers, {s.Retransmissions} retransmissions, {s.DataPackets} DATA packets");
        return 0;
    }
}

internal static class Load
{
    public static int Run(Args args)
    {
        int port = args.GetInt("port", 69);
        var host = IPAddress.Parse(args.Get("host", "127.0.0.1"));
        string file = args.Get("file");
        byte[] expected = File.ReadAllBytes(args.Get("expect"));
        int clients = args.GetInt("clients", 1);
        int blockSize = args.GetInt("blksize", 512);
        int window = args.GetInt("windowsize", 1);
        int timeoutMs = args.GetInt("timeout-ms", 1000);
        int serverPid = args.GetInt("server-pid", 0);
        string label = args.Get("label", string.Empty);
        int warmup = args.GetInt("warmup", 0);
        int repeat = Math.Max(1, args.GetInt("repeat", 1));
        for (int i = 0; i < warmup; i++)
        {
            var result = Transfer.Run(new IPEndPoint(host, port), file, expected, blockSize, window, timeoutMs);
            if (!result.Ok)
            {
                Console.Error.WriteLine($"warm-up transfer failed: {result.Error}");
            }
        }

        using var sampler = serverPid > 0 ? new ServerSampler(serverPid) : null;
        var results = new TransferResult[clients];
        var threads = new Thread[clients];
        using var start = new ManualResetEventSlim();
        for (int i = 0; i < clients; i++)
        {
            int index = i;
            threads[i] = new Thread(() =>
            {
                start.Wait();
                var total = new TransferResult(true, 0, 0, null);
                for (int r = 0; r < repeat && total.Ok; r++)
                {
                    var one = Transfer.Run(new IPEndPoint(host, port), file, expected, blockSize, window, timeoutMs);
                    total = new TransferResult(one.Ok, total.Seconds + one.Seconds, total.Retries + one.Retries, one.Error);
                }

                results[index] = total;
            }, 256 * 1024) { IsBackground = true };
            threads[i].Start();
        }

        var wall = Stopwatch.StartNew();
        start.Set();
        foreach (var thread in threads)
        {
            thread.Join();
        }

        wall.Stop();
        sampler?.Stop();
        double serverCpu = sampler?.CpuSeconds ?? double.NaN;
        var ok = results.Where(r => r.Ok).ToArray();
        long blocks = (long)ok.Length * repeat * ((expected.Length / blockSize) + 1);
        var seconds = ok.Select(r => r.Seconds).Order().ToArray();
        double median = seconds.Length == 0 ? double.NaN : seconds[seconds.Length / 2];
        double p95 = seconds.Length == 0 ? double.NaN : seconds[Math.Min(seconds.Length - 1, (int)(seconds.Length * 0.95))];
        double mbps = ok.Length * (double)expected.Length * repeat / wall.Elapsed.TotalSeconds / 1e6;
        var report = new
        {
            label,
            clients,
            blksize = blockSize,
            windowsize = window,
            bytes = expected.Length,
            repeat,
            wall_s = Math.Round(wall.Elapsed.TotalSeconds, 3),
            mb_per_s = Math.Round(mbps, 1),
            median_s = Math.Round(median, 3),
            p95_s = Math.Round(p95, 3),
            max_s = seconds.Length == 0 ? double.NaN : Math.Round(seconds[^1], 3),
            failures = clients - ok.Length,
            client_retries = results.Sum(r => r.Retries),
            server_peak_rss_mb = sampler is null ? 0 : Math.Round(sampler.PeakBytes / 1e6, 1),
            server_cpu_s = serverPid > 0 ? Math.Round(serverCpu, 2) : (double?)null,
            server_cpu_us_per_block = serverPid > 0 && blocks > 0 ? Math.Round(serverCpu * 1e6 / blocks, 2) : (double?)null,
            first_error = results.FirstOrDefault(r => !r.Ok)?.Error,
        };
        Console.WriteLine(JsonSerializer.Serialize(report));
        return report.failures == 0 ? 0 : 1;
    }
}

internal sealed record TransferResult(bool Ok, double Seconds, int Retries, string? Error);

/// <summary>One RFC 1350/2347/7440 read: ACK at window ends, at the last block and on a gap; verifies every byte.</summary>
internal static class Transfer
{
    public static TransferResult Run(IPEndPoint server, string file, byte[] expected, int blockSize, int window, int timeoutMs)
    {
        var watch = Stopwatch.StartNew();
        int retries = 0;
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(server.Address, 0));
        socket.ReceiveTimeout = timeoutMs;
        socket.ReceiveBufferSize = 4 << 20;
        var options = TftpRequestOptions.None;
        if (blockSize != 512)
        {
            options.BlockSize = blockSize;
        }

        if (window > 1)
        {
            options.WindowSize = window;
        }

        options.TransferSize = 0;
        var request = new byte[600];
        TftpPacket.TryWriteRequest(request, TftpOpcode.Rrq, file, TftpMode.Octet, options, out int requestLength);
        var serverAddress = server.Serialize();
        socket.SendTo(request.AsSpan(0, requestLength), SocketFlags.None, serverAddress);
        var last = request.AsMemory(0, requestLength);
        var ack = new byte[4];
        var buffer = new byte[70000];
        var from = new SocketAddress(AddressFamily.InterNetwork);
        SocketAddress? tid = null;
        long expectedBlock = 1;
        long offset = 0;
        int inWindow = 0;
        int grantedBlock = 512;
        int grantedWindow = 1;
        int silentRetries = 0;
        while (true)
        {
            int n;
            try
            {
                n = socket.ReceiveFrom(buffer, SocketFlags.None, from);
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.TimedOut or SocketError.WouldBlock)
            {
                retries++;
                if (++silentRetries > 10)
                {
                    return new TransferResult(false, watch.Elapsed.TotalSeconds, retries, $"no answer after 10 retries at offset {offset}");
                }

                socket.SendTo(last.Span, SocketFlags.None, tid ?? serverAddress);
                continue;
            }

            if (tid is null)
            {
                tid = new SocketAddress(from.Family, from.Size);
                from.Buffer.CopyTo(tid.Buffer);
            }
            else if (!from.Equals(tid))
            {
                continue;
            }

            silentRetries = 0;
            var datagram = buffer.AsSpan(0, n);
            if (TftpPacket.TryReadOack(datagram, out var granted))
            {
                grantedBlock = granted.BlockSize > 0 ? granted.BlockSize : 512;
                grantedWindow = granted.WindowSize > 0 ? granted.WindowSize : 1;
                TftpPacket.TryWriteAck(ack, 0, out _);
                socket.SendTo(ack, SocketFlags.None, tid);
                last = ack;
                continue;
            }

            if (TftpPacket.TryReadError(datagram, out var code, out var message))
            {
                return new TransferResult(false, watch.Elapsed.TotalSeconds, retries, $"ERROR {(int)code} {System.Text.Encoding.ASCII.GetString(message)}");
            }

            if (!TftpPacket.TryReadData(datagram, out ushort block, out var payload))
            {
                continue;
            }

            if (block != (ushort)expectedBlock)
            {
                if ((ushort)(block - (ushort)expectedBlock) < 32768)
                {
                    // A gap (RFC 7440): ACK the last block received in order; the server restarts after it.
                    TftpPacket.TryWriteAck(ack, (ushort)(expectedBlock - 1), out _);
                    socket.SendTo(ack, SocketFlags.None, tid);
                    last = ack;
                    inWindow = 0;
                }

                continue;
            }

            if (offset + payload.Length > expected.Length || !payload.SequenceEqual(expected.AsSpan((int)offset, payload.Length)))
            {
                return new TransferResult(false, watch.Elapsed.TotalSeconds, retries, $"wrong bytes in block {expectedBlock}");
            }

            offset += payload.Length;
            expectedBlock++;
            inWindow++;
            bool final = payload.Length < grantedBlock;
            if (final || inWindow >= grantedWindow)
            {
                TftpPacket.TryWriteAck(ack, block, out _);
                socket.SendTo(ack, SocketFlags.None, tid);
                last = ack;
                inWindow = 0;
            }

            if (final)
            {
                return offset == expected.Length
                    ? new TransferResult(true, watch.Elapsed.TotalSeconds, retries, null)
                    : new TransferResult(false, watch.Elapsed.TotalSeconds, retries, $"short file: {offset} of {expected.Length}");
            }
        }
    }
}

/// <summary>
/// Samples a server process and all its descendants (tftpd-hpa forks per transfer) every 50 ms: peak RSS, and
/// CPU (user + system) used since the sampler started, summed per process from the last sample it was seen in.
/// Children's time is not taken from the parent's cutime: tftpd-hpa ignores SIGCHLD, so its reaped children
/// never reach it. A child's last &lt; 50 ms before it exits can be missed.
/// </summary>
internal sealed class ServerSampler : IDisposable
{
    private readonly int _pid;
    private readonly Timer _timer;
    private readonly Lock _gate = new();
    private readonly Dictionary<int, long> _firstTicks = [];
    private readonly Dictionary<int, long> _lastTicks = [];

    public ServerSampler(int pid)
    {
        _pid = pid;
        Sample(first: true);
        _timer = new Timer(_ => Sample(first: false), null, 50, 50);
    }

    public long PeakBytes { get; private set; }

    /// <summary>CPU seconds the process tree used since the sampler started (call <see cref="Stop"/> first).</summary>
    public double CpuSeconds
    {
        get
        {
            lock (_gate)
            {
                return _lastTicks.Sum(p => p.Value - _firstTicks.GetValueOrDefault(p.Key)) / 100.0; // USER_HZ
            }
        }
    }

    /// <summary>Takes a last sample and stops sampling.</summary>
    public void Stop()
    {
        _timer.Dispose();
        Sample(first: false);
    }

    public void Dispose() => _timer.Dispose();

    private void Sample(bool first)
    {
        try
        {
            var children = ChildMap();
            long total = 0;
            var stack = new Stack<int>([_pid]);
            lock (_gate)
            {
                while (stack.Count > 0)
                {
                    int pid = stack.Pop();
                    total += ReadRss(pid);
                    if (StatFields(pid) is { } fields)
                    {
                        // Fields after the command: [11] utime, [12] stime (proc(5) fields 14, 15).
                        long ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
                        _lastTicks[pid] = ticks;
                        if (first)
                        {
                            _firstTicks[pid] = ticks;
                        }
                    }

                    if (children.TryGetValue(pid, out var kids))
                    {
                        kids.ForEach(stack.Push);
                    }
                }

                PeakBytes = Math.Max(PeakBytes, total);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }

    private static string[]? StatFields(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static Dictionary<int, List<int>> ChildMap()
    {
        var children = new Dictionary<int, List<int>>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(dir), out int pid) && StatFields(pid) is { } fields)
            {
                int parent = int.Parse(fields[1], CultureInfo.InvariantCulture);
                if (!children.TryGetValue(parent, out var list))
                {
                    children[parent] = list = [];
                }

                list.Add(pid);
            }
        }

        return children;
    }

    private static long ReadRss(int pid)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                {
                    return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
                }
            }
        }
        catch (IOException)
        {
        }

        return 0;
    }
}
