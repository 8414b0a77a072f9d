using PxeServer.Protocols.Tftp;
using PxeServer.Tftp.Engine;
using Xunit;

namespace PxeServer.Tftp.Tests.Engine;

/// <summary>Paced sessions (beyond tftp.activeTransfers) and the arrival-order admission that promotes them.</summary>
public sealed class PacingTests
{
    private const long Frequency = 1_000;

    private static byte[] Ack(ushort block)
    {
        var b = new byte[4];
        TftpPacket.TryWriteAck(b, block, out _);
        return b;
    }

    private static (TftpSendSession Session, FakeTransport Transport) Create(int length, int window = 1)
    {
        var requested = TftpRequestOptions.None;
        requested.BlockSize = 512;
        if (window > 1)
        {
            requested.WindowSize = window;
        }

        var content = new byte[length];
        new Random(3).NextBytes(content);
        var parameters = TftpTransferParameters.Negotiate(requested, content.Length, 65464, 64, 1);
        var transport = new FakeTransport();
        return (new TftpSendSession(transport, new MemoryFileContent(content), parameters, new byte[1024], Frequency, 5), transport);
    }

    [Fact]
    public void PacedSession_AnswersTheFirstRequestAtOnce_ThenOneWindowPerTick()
    {
        var (session, transport) = Create(512 * 10);
        session.Pace();
        session.Start(0);
        Assert.Single(transport.Sent); // the OACK is not held back: the client learns at once it is being served

        session.OnDatagram(Ack(0), 1);
        Assert.Empty(transport.DataBlocks()); // held for the tick
        session.OnTick(50);
        Assert.Equal([1], transport.DataBlocks());

        session.OnDatagram(Ack(1), 60);
        session.OnDatagram(Ack(1), 61); // a duplicate while the window waits: nothing extra
        session.OnTick(150);
        session.OnTick(250);             // nothing acknowledged since: no second send before the timeout
        Assert.Equal([1, 2], transport.DataBlocks());
    }

    [Fact]
    public void PacedWindowedSession_SendsTheWholeWindowOnTheTick()
    {
        var (session, transport) = Create(512 * 20, window: 4);
        session.Pace();
        session.Start(0);
        session.OnDatagram(Ack(0), 1);
        session.OnTick(100);
        Assert.Equal([1, 2, 3, 4], transport.DataBlocks());
        session.OnDatagram(Ack(4), 110);
        Assert.Equal(4, transport.DataBlocks().Count);
        session.OnTick(200);
        Assert.Equal([1, 2, 3, 4, 5, 6, 7, 8], transport.DataBlocks());
    }

    [Fact]
    public void Promote_SendsTheWaitingWindowAtOnce_AndLaterAcksAreAnsweredDirectly()
    {
        var (session, transport) = Create(512 * 10);
        session.Pace();
        session.Start(0);
        session.OnDatagram(Ack(0), 1);
        Assert.Empty(transport.DataBlocks());
        session.Promote(2);
        Assert.Equal([1], transport.DataBlocks());
        session.OnDatagram(Ack(1), 3);
        Assert.Equal([1, 2], transport.DataBlocks());
        Assert.False(session.IsPaced);
    }

    [Fact]
    public void PacedSession_StillRetransmitsAndTimesOutWhenTheClientGoesSilent()
    {
        var (session, transport) = Create(512 * 10);
        session.Pace();
        session.Start(0);
        session.OnDatagram(Ack(0), 1);
        session.OnTick(100); // DATA 1
        for (long t = 1_200; t < 20_000; t += 1_100)
        {
            session.OnTick(t);
        }

        Assert.Equal(TftpSessionStatus.TimedOut, session.Status);
        Assert.Equal(6, transport.DataBlocks().Count); // DATA 1 and its five retransmissions
    }

    [Fact]
    public void PacedSession_TransfersAWholeFileCorrectly()
    {
        var content = new byte[512 * 37 + 100];
        new Random(9).NextBytes(content);
        var requested = TftpRequestOptions.None;
        requested.BlockSize = 512;
        requested.WindowSize = 8;
        var parameters = TftpTransferParameters.Negotiate(requested, content.Length, 65464, 64, 1);
        var transport = new FakeTransport();
        var session = new TftpSendSession(transport, new MemoryFileContent(content), parameters, new byte[1024], Frequency, 5);
        var client = new SimulatedClient(512, 8);
        session.Pace();
        session.Start(0);
        long now = 0;
        while (session.Status == TftpSessionStatus.Active && now < 100_000)
        {
            foreach (var datagram in transport.Sent.ToArray())
            {
                transport.Sent.Remove(datagram);
                if (client.Receive(datagram) is { } ack)
                {
                    session.OnDatagram(ack, now);
                }
            }

            now += 100;
            session.OnTick(now);
        }

        Assert.Equal(TftpSessionStatus.Completed, session.Status);
        Assert.Equal(content, client.Received.ToArray());
        Assert.Equal(0, session.Retransmissions);
    }

    [Fact]
    public void Admission_BeyondTheLimit_PacesAndPromotesInArrivalOrder()
    {
        var admission = new TftpAdmission(2);
        var t = Enumerable.Range(0, 5).Select(i => new FakePaced(i)).ToArray();
        Assert.True(admission.Admit(t[0]));
        Assert.True(admission.Admit(t[1]));
        Assert.False(admission.Admit(t[2]));
        Assert.False(admission.Admit(t[3]));
        Assert.False(admission.Admit(t[4]));
        Assert.All(t[2..], p => Assert.True(p.Paced));
        Assert.Equal(2, admission.FullSpeedCount);
        Assert.Equal(3, admission.PacedCount);

        admission.Release(t[1], 10);
        Assert.Equal(10, t[2].PromotedAt);
        Assert.Null(t[3].PromotedAt);

        // A paced transfer that ends while waiting gives up its turn; its end frees no full-speed place.
        admission.Release(t[3], 11);
        Assert.Equal(2, admission.FullSpeedCount);
        admission.Release(t[0], 12);
        Assert.Null(t[3].PromotedAt);
        Assert.Equal(12, t[4].PromotedAt);

        admission.Release(t[0], 13); // released twice (close paths race): counted once
        Assert.Equal(2, admission.FullSpeedCount);
        admission.Release(t[2], 14);
        admission.Release(t[4], 15);
        Assert.Equal(0, admission.FullSpeedCount);
        Assert.Equal(0, admission.PacedCount);
        Assert.True(admission.Admit(new FakePaced(9)));
    }

    [Fact]
    public void Admission_LimitZero_NeverPaces()
    {
        var admission = new TftpAdmission(0);
        var all = Enumerable.Range(0, 100).Select(i => new FakePaced(i)).ToArray();
        Assert.All(all, p => Assert.True(admission.Admit(p)));
        Assert.All(all, p => Assert.False(p.Paced));
    }

    private sealed class FakePaced(int id) : ITftpPacedTransfer
    {
        public int Id { get; } = id;

        public bool FullSpeed { get; set; }

        public bool Released { get; set; }

        public bool Paced { get; private set; }

        public long? PromotedAt { get; private set; }

        public void Pace() => Paced = true;

        public void Promote(long now)
        {
            Paced = false;
            PromotedAt = now;
        }
    }
}
