using System.Globalization;
using System.Net;
using System.Net.Sockets;
using PxeServer.Protocols.Tftp;
using PxeServer.Tftp.Tests.Interop;
using PxeServer.Tftp.Transport;
using Xunit;

namespace PxeServer.Tftp.Tests.Transport;

/// <summary>The I/O thread's poll-before-sleep policy (<c>tftp.pollSpinMicroseconds</c>).</summary>
public sealed class AdaptiveSpinTests
{
    private const long Spin = 50;

    [Fact]
    public void PollsOnlyWithinTheSpinAfterABatch_OnceDatagramsComeFast()
    {
        var spin = new AdaptiveSpin(Spin);
        Assert.False(spin.ShouldPoll(1_000)); // nothing served yet: sleep

        spin.OnArrival(1_000, polled: false); // the first datagram after a long quiet: nothing to spin for yet
        spin.OnBatchDone(1_000);
        Assert.False(spin.ShouldPoll(1_001));

        spin.OnArrival(1_040, polled: false); // the next one came 40 ticks later although the thread slept: a fast client
        spin.OnBatchDone(1_050);
        Assert.True(spin.ShouldPoll(1_050));
        Assert.True(spin.ShouldPoll(1_099));
        Assert.False(spin.ShouldPoll(1_100)); // the spin ran out: sleep
    }

    [Fact]
    public void ADatagramLaterThanTheSpin_TurnsSpinningOff_UntilOneComesSoonAgain()
    {
        var spin = new AdaptiveSpin(Spin);
        spin.OnArrival(1_000, polled: false);
        spin.OnBatchDone(1_000);
        spin.OnArrival(1_030, polled: false);
        spin.OnBatchDone(1_030);
        spin.OnArrival(1_060, polled: true); // caught while polling: stays on
        spin.OnBatchDone(1_060);
        Assert.True(spin.ShouldPoll(1_080));

        // The spin ran out, the thread slept, and the next datagram came 1,000 ticks after the batch: a slow client.
        spin.OnArrival(2_060, polled: false);
        spin.OnBatchDone(2_060);
        Assert.False(spin.ShouldPoll(2_061));

        // Still slow: stays off.
        spin.OnArrival(3_000, polled: false);
        spin.OnBatchDone(3_000);
        Assert.False(spin.ShouldPoll(3_001));

        // One arrives within twice the spin although the thread slept: a fast client again, spinning resumes.
        spin.OnArrival(3_090, polled: false);
        spin.OnBatchDone(3_090);
        Assert.True(spin.ShouldPoll(3_091));
    }

    [Fact]
    public void ZeroSpin_NeverPolls()
    {
        var spin = new AdaptiveSpin(0);
        spin.OnArrival(10, polled: false);
        spin.OnBatchDone(10);
        Assert.False(spin.ShouldPoll(10));
    }

    [Fact]
    public void Options_RejectASpinOutsideZeroToOneMillisecond()
    {
        foreach (int value in new[] { -1, 1001 })
        {
            var errors = new List<string>();
            new TftpOptions { Root = Path.GetTempPath(), PollSpinMicroseconds = value }.Validate(errors);
            Assert.Contains($"tftp.pollSpinMicroseconds: {value} is outside 0..1000", errors);
        }

        var ok = new List<string>();
        new TftpOptions { Root = Path.GetTempPath(), PollSpinMicroseconds = 0 }.Validate(ok);
        Assert.Empty(ok);
        Assert.Equal(50, new TftpOptions().PollSpinMicroseconds);
    }
}

/// <summary>
/// Measures the CPU of every <c>tftp-io-*</c> thread in the process, so it runs alone: tests in other classes
/// run their own servers' I/O threads in parallel otherwise.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class IdleIoThreadCollection
{
    public const string Name = "Idle TFTP I/O threads";
}

/// <summary>The adaptive spin seen from outside: an idle server's I/O thread sleeps.</summary>
[Collection(IdleIoThreadCollection.Name)]
public sealed class IdleIoThreadTests
{
    /// <summary>After a transfer the I/O thread spins at most briefly, then sleeps: an idle server burns no CPU.</summary>
    [Fact]
    public async Task AnIdleServer_AfterATransfer_UsesNoCpuOnItsIoThread()
    {
        await using var server = await LoopbackTftpServer.StartAsync(o => o.PollSpinMicroseconds = 1000);
        var content = new byte[512 * 200];
        Random.Shared.NextBytes(content);
        server.AddFile("f.bin", content);
        Assert.Equal(content, Fetch(server.Port, "f.bin"));

        await Task.Delay(200, TestContext.Current.CancellationToken);
        long before = IoThreadTicks();
        await Task.Delay(1000, TestContext.Current.CancellationToken);
        long used = IoThreadTicks() - before;

        Assert.True(used <= 2, $"the I/O threads used {used * 10} ms of CPU in an idle second");
    }

    private static long IoThreadTicks()
    {
        long ticks = 0;
        int found = 0;
        foreach (var task in Directory.EnumerateDirectories("/proc/self/task"))
        {
            string stat;
            try
            {
                stat = File.ReadAllText(Path.Combine(task, "stat"));
            }
            catch (IOException)
            {
                continue;
            }

            int open = stat.IndexOf('(', StringComparison.Ordinal);
            int close = stat.LastIndexOf(')');
            if (!stat[(open + 1)..close].StartsWith("tftp-io-", StringComparison.Ordinal))
            {
                continue;
            }

            var fields = stat[(close + 2)..].Split(' ');
            ticks += long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
            found++;
        }

        Assert.True(found > 0, "no tftp-io thread found in /proc/self/task");
        return ticks;
    }

    /// <summary>A plain lockstep RRQ (octet, blksize 512) that returns the file.</summary>
    private static byte[] Fetch(int port, string name)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        socket.ReceiveTimeout = 5000;
        var request = new byte[128];
        TftpPacket.TryWriteRequest(request, TftpOpcode.Rrq, name, TftpMode.Octet, TftpRequestOptions.None, out int length);
        EndPoint server = new IPEndPoint(IPAddress.Loopback, port);
        socket.SendTo(request.AsSpan(0, length), server);
        var received = new MemoryStream();
        var buffer = new byte[600];
        var ack = new byte[4];
        while (true)
        {
            EndPoint from = new IPEndPoint(IPAddress.Any, 0);
            int n = socket.ReceiveFrom(buffer, ref from);
            Assert.True(TftpPacket.TryReadData(buffer.AsSpan(0, n), out ushort block, out var payload));
            received.Write(payload);
            TftpPacket.TryWriteAck(ack, block, out _);
            socket.SendTo(ack, from);
            if (payload.Length < 512)
            {
                return received.ToArray();
            }
        }
    }
}
