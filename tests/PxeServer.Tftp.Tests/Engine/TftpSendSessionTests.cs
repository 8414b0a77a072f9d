using System.Diagnostics;
using Microsoft.Extensions.Time.Testing;
using PxeServer.Protocols.Tftp;
using PxeServer.Tftp.Engine;
using Xunit;

namespace PxeServer.Tftp.Tests.Engine;

public sealed class TftpSendSessionTests
{
    private const long Frequency = 1_000;

    private static byte[] Bytes(int length, int seed = 7)
    {
        var data = new byte[length];
        new Random(seed).NextBytes(data);
        return data;
    }

    private static (TftpSendSession Session, FakeTransport Transport) Create(byte[] content, TftpRequestOptions requested = default, int maxRetries = 5, int maxBlock = 65464, int maxWindow = 64)
    {
        if (requested == default)
        {
            requested = TftpRequestOptions.None;
        }

        var parameters = TftpTransferParameters.Negotiate(requested, content.Length, maxBlock, maxWindow, 1);
        var transport = new FakeTransport();
        var session = new TftpSendSession(transport, new MemoryFileContent(content), parameters, new byte[parameters.BlockSize + 4 + 128], Frequency, maxRetries);
        return (session, transport);
    }

    private static byte[] Ack(ushort block)
    {
        var b = new byte[4];
        TftpPacket.TryWriteAck(b, block, out _);
        return b;
    }

    private static byte[] Error(TftpErrorCode code, string message)
    {
        var b = new byte[64];
        TftpPacket.TryWriteError(b, code, message, out int n);
        return b[..n];
    }

    [Fact]
    public void Lockstep_NoOptions_SendsDataAndCompletesOnLastAck()
    {
        var content = Bytes(1200);
        var (session, transport) = Create(content);
        Assert.Equal(TftpSessionStatus.Active, session.Start(0));
        Assert.Equal([1], transport.DataBlocks());
        session.OnDatagram(Ack(1), 1);
        session.OnDatagram(Ack(2), 2);
        Assert.Equal([1, 2, 3], transport.DataBlocks());
        Assert.True(TftpPacket.TryReadData(transport.Last, out _, out var tail));
        Assert.Equal(1200 - 1024, tail.Length);
        Assert.Equal(TftpSessionStatus.Completed, session.OnDatagram(Ack(3), 3));
    }

    [Fact]
    public void ExactMultipleOfBlockSize_EndsWithEmptyBlock()
    {
        var (session, transport) = Create(Bytes(1024));
        session.Start(0);
        session.OnDatagram(Ack(1), 0);
        session.OnDatagram(Ack(2), 0);
        Assert.True(TftpPacket.TryReadData(transport.Last, out ushort block, out var payload));
        Assert.Equal(3, block);
        Assert.True(payload.IsEmpty);
        Assert.Equal(TftpSessionStatus.Completed, session.OnDatagram(Ack(3), 0));
    }

    [Fact]
    public void EmptyFile_IsOneEmptyBlock()
    {
        var (session, transport) = Create([]);
        session.Start(0);
        Assert.Equal([1], transport.DataBlocks());
        Assert.Equal(TftpSessionStatus.Completed, session.OnDatagram(Ack(1), 0));
    }

    [Fact]
    public void Options_SendOackWithRealTsize_ThenDataAfterAck0()
    {
        var requested = TftpRequestOptions.None;
        requested.BlockSize = 1468;
        requested.TransferSize = 0;
        requested.WindowSize = 4;
        var (session, transport) = Create(Bytes(10_000), requested);
        session.Start(0);
        Assert.True(TftpPacket.TryReadOack(transport.Last, out var oack));
        Assert.Equal(1468, oack.BlockSize);
        Assert.Equal(10_000, oack.TransferSize);
        Assert.Equal(4, oack.WindowSize);
        Assert.Equal(-1, oack.TimeoutSeconds);
        session.OnDatagram(Ack(1), 0); // not the OACK's ACK: ignored
        Assert.Empty(transport.DataBlocks());
        session.OnDatagram(Ack(0), 0);
        Assert.Equal([1, 2, 3, 4], transport.DataBlocks());
    }

    [Fact]
    public void Options_CappedByConfig()
    {
        var requested = TftpRequestOptions.None;
        requested.BlockSize = 65464;
        requested.WindowSize = 1000;
        requested.TimeoutSeconds = 3;
        var (session, transport) = Create(Bytes(100), requested, maxBlock: 1468, maxWindow: 16);
        session.Start(0);
        Assert.True(TftpPacket.TryReadOack(transport.Last, out var oack));
        Assert.Equal(1468, oack.BlockSize);
        Assert.Equal(16, oack.WindowSize);
        Assert.Equal(3, oack.TimeoutSeconds);
        Assert.Equal(-1, oack.TransferSize); // not asked for, not sent
    }

    [Fact]
    public void OvmfTsizeProbe_Error8AfterOack_EndsQuietly()
    {
        var requested = TftpRequestOptions.None;
        requested.TransferSize = 0;
        var (session, transport) = Create(Bytes(5000), requested);
        session.Start(0);
        Assert.Single(transport.Sent);
        Assert.Equal(TftpSessionStatus.AbortedByClient, session.OnDatagram(Error(TftpErrorCode.OptionNegotiation, "User aborted"), 0));
        Assert.Equal(TftpErrorCode.OptionNegotiation, session.ClientError);
        Assert.Equal(TftpSessionStatus.AbortedByClient, session.OnTick(10 * Frequency));
        Assert.Single(transport.Sent); // nothing after the abort, not even on a tick
    }

    [Fact]
    public void LossOfData_RetransmitsAfterTimeout()
    {
        var (session, transport) = Create(Bytes(2000));
        session.Start(0);
        session.OnDatagram(Ack(1), 100); // DATA 2 sent at t=100 and lost
        Assert.Equal(TftpSessionStatus.Active, session.OnTick(100 + Frequency - 1));
        Assert.Equal([1, 2], transport.DataBlocks());
        session.OnTick(100 + Frequency);
        Assert.Equal([1, 2, 2], transport.DataBlocks());
        Assert.Equal(1, session.Retransmissions);
    }

    [Fact]
    public void LossOfAck_ClientRepeatsOldAck_IgnoredThenTimeoutResends()
    {
        var (session, transport) = Create(Bytes(2000));
        session.Start(0);
        session.OnDatagram(Ack(1), 0);      // DATA 2 out; the client's ACK 2 gets lost
        session.OnDatagram(Ack(1), 500);    // client's own timeout re-ACKs 1: must not send DATA 2 again now
        Assert.Equal([1, 2], transport.DataBlocks());
        session.OnTick(Frequency);
        Assert.Equal([1, 2, 2], transport.DataBlocks());
        session.OnDatagram(Ack(2), Frequency + 1);
        Assert.Equal([1, 2, 2, 3], transport.DataBlocks());
    }

    [Fact]
    public void DuplicateAcks_NeverMultiplyData_NoSorcerersApprentice()
    {
        var (session, transport) = Create(Bytes(512 * 10));
        session.Start(0);
        for (ushort block = 1; block <= 10; block++)
        {
            // Every ACK arrives three times (a duplicating network).
            session.OnDatagram(Ack(block), 0);
            session.OnDatagram(Ack(block), 0);
            session.OnDatagram(Ack(block), 0);
        }

        Assert.Equal(Enumerable.Range(1, 11).Select(i => (ushort)i), transport.DataBlocks());
        Assert.Equal(20, session.IgnoredAcks);
    }

    [Fact]
    public void StaleAndFutureAcks_AreIgnored()
    {
        var (session, transport) = Create(Bytes(512 * 10));
        session.Start(0);
        session.OnDatagram(Ack(1), 0);
        session.OnDatagram(Ack(60000), 0); // far ahead: never sent
        session.OnDatagram(Ack(3), 0);     // one past the highest sent
        session.OnDatagram(Ack(0), 0);     // stale
        Assert.Equal([1, 2], transport.DataBlocks());
        Assert.Equal(3, session.IgnoredAcks);
    }

    [Fact]
    public void Window_PartialAck_RestartsFromLastAcked()
    {
        var requested = TftpRequestOptions.None;
        requested.WindowSize = 4;
        requested.BlockSize = 512;
        var (session, transport) = Create(Bytes(512 * 20), requested);
        session.Start(0);
        session.OnDatagram(Ack(0), 0);
        Assert.Equal([1, 2, 3, 4], transport.DataBlocks());
        transport.Clear();
        // Blocks arrived 1, 3, 2, 4 (reordered): the client saw a gap after 1 and ACKs 1.
        session.OnDatagram(Ack(1), 0);
        Assert.Equal([2, 3, 4, 5], transport.DataBlocks());
        transport.Clear();
        session.OnDatagram(Ack(1), 0); // duplicate of the partial ACK
        Assert.Empty(transport.Sent);
        session.OnDatagram(Ack(5), 0);
        Assert.Equal([6, 7, 8, 9], transport.DataBlocks());
        transport.Clear();
        session.OnDatagram(Ack(7), 0);  // mid-window ACK after loss of 8
        Assert.Equal([8, 9, 10, 11], transport.DataBlocks());
    }

    [Fact]
    public void Window_Timeout_ResendsWholeWindowFromLastAcked()
    {
        var requested = TftpRequestOptions.None;
        requested.WindowSize = 3;
        var (session, transport) = Create(Bytes(512 * 10), requested);
        session.Start(0);
        session.OnDatagram(Ack(0), 0);
        session.OnDatagram(Ack(3), 0);
        transport.Clear();
        session.OnTick(Frequency);
        Assert.Equal([4, 5, 6], transport.DataBlocks());
    }

    [Fact]
    public void ClientError_MidTransfer_EndsSession()
    {
        var (session, transport) = Create(Bytes(5000));
        session.Start(0);
        session.OnDatagram(Ack(1), 0);
        Assert.Equal(TftpSessionStatus.AbortedByClient, session.OnDatagram(Error(TftpErrorCode.DiskFull, "full"), 0));
        int sent = transport.Sent.Count;
        session.OnDatagram(Ack(2), 0);
        session.OnTick(100 * Frequency);
        Assert.Equal(sent, transport.Sent.Count);
    }

    [Fact]
    public void RetryExhaustion_SendsErrorAndTimesOut()
    {
        var (session, transport) = Create(Bytes(5000), maxRetries: 3);
        session.Start(0);
        long now = 0;
        for (int i = 0; i < 3; i++)
        {
            now += Frequency;
            Assert.Equal(TftpSessionStatus.Active, session.OnTick(now));
        }

        Assert.Equal([1, 1, 1, 1], transport.DataBlocks());
        now += Frequency;
        Assert.Equal(TftpSessionStatus.TimedOut, session.OnTick(now));
        Assert.True(TftpPacket.TryReadError(transport.Last, out var code, out _));
        Assert.Equal(TftpErrorCode.NotDefined, code);
    }

    [Fact]
    public void OackLost_IsRetransmitted()
    {
        var requested = TftpRequestOptions.None;
        requested.BlockSize = 1024;
        var (session, transport) = Create(Bytes(5000), requested);
        session.Start(0);
        session.OnTick(Frequency);
        Assert.Equal(2, transport.Sent.Count);
        Assert.True(TftpPacket.TryReadOack(transport.Last, out _));
    }

    [Fact]
    public void ReadError_SendsErrorAndFails()
    {
        var parameters = TftpTransferParameters.Negotiate(TftpRequestOptions.None, 5000, 65464, 64, 1);
        var transport = new FakeTransport();
        var session = new TftpSendSession(transport, new FailingContent(5000), parameters, new byte[1024], Frequency, 5);
        Assert.Equal(TftpSessionStatus.Failed, session.Start(0));
        Assert.True(TftpPacket.TryReadError(transport.Last, out _, out _));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(16)]
    public void Rollover_BlockNumbersWrapToZero_FileArrivesIntact(int window)
    {
        // 8-byte blocks: 70,000 blocks crosses 65535 → 0.
        var content = Bytes((8 * 70_000) + 3);
        var requested = TftpRequestOptions.None;
        requested.BlockSize = 8;
        requested.WindowSize = window;
        var (session, transport) = Create(content, requested);
        var client = new SimulatedClient(8, window);
        session.Start(0);
        var status = TftpSessionStatus.Active;
        var seen = new HashSet<ushort>();
        while (status == TftpSessionStatus.Active)
        {
            var outbox = transport.Sent.ToArray();
            transport.Clear();
            Assert.NotEmpty(outbox);
            foreach (var datagram in outbox)
            {
                if (TftpPacket.TryReadData(datagram, out ushort b, out _))
                {
                    seen.Add(b);
                }

                if (client.Receive(datagram) is { } reply)
                {
                    status = session.OnDatagram(reply, 0);
                }
            }
        }

        Assert.Equal(TftpSessionStatus.Completed, status);
        Assert.Contains((ushort)0, seen);
        Assert.Contains((ushort)65535, seen);
        Assert.Equal(content, client.Received.ToArray());
        Assert.Equal(70_001, session.TotalBlocks);
    }

    [Fact]
    public void SchedulerTick_WithFakeTimeProvider_DrivesRetransmission()
    {
        var time = new FakeTimeProvider();
        using var scheduler = new TftpSessionScheduler(time, TimeSpan.FromMilliseconds(100));
        var parameters = TftpTransferParameters.Negotiate(TftpRequestOptions.None, 2000, 65464, 64, 1);
        var transport = new FakeTransport();
        var session = new TftpSendSession(transport, new MemoryFileContent(Bytes(2000)), parameters, new byte[1024], time.TimestampFrequency, 2);
        var tickable = new TickableSession(session);
        scheduler.Add(tickable);
        session.Start(time.GetTimestamp());
        time.Advance(TimeSpan.FromMilliseconds(900));
        Assert.Single(transport.Sent);
        time.Advance(TimeSpan.FromMilliseconds(200));
        Assert.Equal([1, 1], transport.DataBlocks());
        for (int i = 0; i < 50; i++)
        {
            time.Advance(TimeSpan.FromMilliseconds(100));
        }

        Assert.Equal([1, 1, 1], transport.DataBlocks());
        Assert.Equal(TftpSessionStatus.TimedOut, session.Status);
        Assert.Equal(0, scheduler.Count);
    }

    private sealed class TickableSession(TftpSendSession session) : ITftpTickable
    {
        public bool OnTick(long now) => session.OnTick(now) == TftpSessionStatus.Active;
    }
}

/// <summary>
/// An RFC 1350 / RFC 7440 receiver: takes blocks in order, ACKs at the end of each window, at the
/// last block, and at a gap (with the last in-order block); ignores duplicates and blocks out of order.
/// </summary>
internal sealed class SimulatedClient(int blockSize, int window)
{
    private long _expected = 1;
    private int _inWindow;

    public MemoryStream Received { get; } = new();

    public bool Done { get; private set; }

    public int Acks { get; private set; }

    public byte[] LastAck { get; private set; } = [0, 4, 0, 0];

    /// <summary>Returns the ACK to send, or null.</summary>
    public byte[]? Receive(byte[] datagram)
    {
        if (TftpPacket.TryReadOack(datagram, out _))
        {
            return MakeAck(0);
        }

        if (!TftpPacket.TryReadData(datagram, out ushort block, out var payload))
        {
            return null;
        }

        if (block != (ushort)_expected)
        {
            // A gap or a duplicate: RFC 7440 says ACK the last block received in order.
            _inWindow = 0;
            return Done ? null : MakeAck((ushort)(_expected - 1));
        }

        Received.Write(payload);
        _expected++;
        _inWindow++;
        if (payload.Length < blockSize)
        {
            Done = true;
            return MakeAck(block);
        }

        if (_inWindow >= window)
        {
            _inWindow = 0;
            return MakeAck(block);
        }

        return null;
    }

    private byte[] MakeAck(ushort block)
    {
        Acks++;
        LastAck = new byte[4];
        TftpPacket.TryWriteAck(LastAck, block, out _);
        return LastAck;
    }
}
