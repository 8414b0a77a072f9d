using PxeServer.Protocols.Tftp;
using PxeServer.Tftp.Engine;
using Xunit;

namespace PxeServer.Tftp.Tests.Engine;

/// <summary>The WRQ state machine on a fake transport and a fake upload target; time is passed in, nothing sleeps.</summary>
public sealed class UploadReceiveSessionTests
{
    private const long Frequency = 1_000;

    private static byte[] Bytes(int length, int seed = 5)
    {
        var data = new byte[length];
        new Random(seed).NextBytes(data);
        return data;
    }

    private static (TftpReceiveSession Session, FakeTransport Transport, FakeUploadTarget Target) Create(
        TftpRequestOptions requested = default, int maxRetries = 3, long maxBytes = long.MaxValue, int maxBlock = 65464, int maxWindow = 64, UploadCommitResult commit = UploadCommitResult.Stored, Action? commitRequested = null)
    {
        if (requested == default)
        {
            requested = TftpRequestOptions.None;
        }

        var parameters = TftpTransferParameters.Negotiate(requested, requested.TransferSize, maxBlock, maxWindow, 1);
        var transport = new FakeTransport();
        var target = new FakeUploadTarget { CommitResult = commit };
        var session = new TftpReceiveSession(transport, target, parameters, new byte[1024], Frequency, maxRetries, maxBytes, commitRequested);
        return (session, transport, target);
    }

    private static byte[] Data(ushort block, ReadOnlySpan<byte> payload)
    {
        var packet = new byte[4 + payload.Length];
        TftpPacket.TryWriteDataHeader(packet, block);
        payload.CopyTo(packet.AsSpan(4));
        return packet;
    }

    private static byte[] Block(byte[] content, long index, int blockSize)
    {
        long offset = (index - 1) * blockSize;
        int length = (int)Math.Min(blockSize, content.Length - offset);
        return Data((ushort)index, content.AsSpan((int)offset, length));
    }

    private static List<ushort> Acks(FakeTransport transport) =>
        [.. transport.Sent.Where(p => TftpPacket.TryReadAck(p, out _)).Select(p => { TftpPacket.TryReadAck(p, out ushort b); return b; })];

    private static TftpErrorCode? LastError(FakeTransport transport) =>
        transport.Sent.Count > 0 && TftpPacket.TryReadError(transport.Last, out var code, out _) ? code : null;

    private static TftpRequestOptions Window(int windowSize, int blockSize = 512)
    {
        var requested = TftpRequestOptions.None;
        requested.BlockSize = blockSize;
        requested.WindowSize = windowSize;
        return requested;
    }

    [Fact]
    public void InOrder_NoOptions_Ack0ThenEachBlock_StoresOnShortBlock()
    {
        var content = Bytes(1200);
        var (session, transport, target) = Create();
        Assert.Equal(TftpSessionStatus.Active, session.Start(0));
        Assert.Equal([0], Acks(transport));

        session.OnDatagram(Block(content, 1, 512), 10);
        session.OnDatagram(Block(content, 2, 512), 20);
        Assert.False(target.Committed);
        session.OnDatagram(Block(content, 3, 512), 30);

        Assert.Equal([0, 1, 2, 3], Acks(transport));
        Assert.True(target.Committed);
        Assert.True(session.Stored);
        Assert.Equal(content, target.Written.ToArray());
        Assert.Equal(1200, session.BytesReceived);
        Assert.Equal(TftpSessionStatus.Active, session.Status); // dallying
        Assert.Equal(TftpSessionStatus.Completed, session.OnTick(30 + Frequency));
        Assert.False(target.Discarded);
    }

    [Fact]
    public void ExactMultipleOfBlockSize_EndsWithEmptyBlock()
    {
        var content = Bytes(1024);
        var (session, transport, target) = Create();
        session.Start(0);
        session.OnDatagram(Block(content, 1, 512), 0);
        session.OnDatagram(Block(content, 2, 512), 0);
        Assert.False(target.Committed);
        session.OnDatagram(Data(3, []), 0);
        Assert.True(target.Committed);
        Assert.Equal(content, target.Written.ToArray());
        Assert.Equal([0, 1, 2, 3], Acks(transport));
    }

    [Fact]
    public void EmptyFile_IsOneEmptyBlock()
    {
        var (session, transport, target) = Create();
        session.Start(0);
        session.OnDatagram(Data(1, []), 0);
        Assert.True(target.Committed);
        Assert.Empty(target.Written.ToArray());
        Assert.Equal([0, 1], Acks(transport));
    }

    [Fact]
    public void Options_OackEchoesClientTsize_BlksizeCapped_Data1AcknowledgesIt()
    {
        var requested = TftpRequestOptions.None;
        requested.BlockSize = 65464;
        requested.TransferSize = 3000;
        requested.TimeoutSeconds = 2;
        var (session, transport, target) = Create(requested, maxBlock: 1468);
        session.Start(0);
        Assert.True(TftpPacket.TryReadOack(transport.Last, out var oack));
        Assert.Equal(1468, oack.BlockSize);
        Assert.Equal(3000, oack.TransferSize);
        Assert.Equal(2, oack.TimeoutSeconds);
        Assert.Equal(-1, oack.WindowSize);
        Assert.Empty(Acks(transport)); // no ACK 0 after an OACK

        var content = Bytes(3000);
        session.OnDatagram(Block(content, 1, 1468), 0);
        session.OnDatagram(Block(content, 2, 1468), 0);
        session.OnDatagram(Block(content, 3, 1468), 0);
        Assert.Equal([1, 2, 3], Acks(transport));
        Assert.Equal(content, target.Written.ToArray());
    }

    [Fact]
    public void LostOack_RetransmittedOnTimeout()
    {
        var requested = TftpRequestOptions.None;
        requested.BlockSize = 1024;
        var (session, transport, _) = Create(requested);
        session.Start(0);
        session.OnTick(Frequency - 1);
        Assert.Single(transport.Sent);
        session.OnTick(Frequency);
        Assert.Equal(2, transport.Sent.Count);
        Assert.True(TftpPacket.TryReadOack(transport.Last, out _));
        Assert.Equal(1, session.Retransmissions);
    }

    [Fact]
    public void LossOfData_TimeoutReAcksLastInOrderBlock()
    {
        var content = Bytes(2000);
        var (session, transport, _) = Create();
        session.Start(0);
        session.OnDatagram(Block(content, 1, 512), 100); // DATA 2 then gets lost
        Assert.Equal(TftpSessionStatus.Active, session.OnTick(100 + Frequency - 1));
        Assert.Equal([0, 1], Acks(transport));
        session.OnTick(100 + Frequency);
        Assert.Equal([0, 1, 1], Acks(transport));
        Assert.Equal(1, session.Retransmissions);

        session.OnDatagram(Block(content, 2, 512), 100 + Frequency + 5);
        Assert.Equal([0, 1, 1, 2], Acks(transport));
    }

    [Fact]
    public void LossOfAck_ClientResendsData_ReAckedNeverWrittenTwice()
    {
        var content = Bytes(2000);
        var (session, transport, target) = Create();
        session.Start(0);
        session.OnDatagram(Block(content, 1, 512), 0);
        session.OnDatagram(Block(content, 2, 512), 0);  // our ACK 2 is lost
        session.OnDatagram(Block(content, 2, 512), 500); // the client's timeout: DATA 2 again
        Assert.Equal([0, 1, 2, 2], Acks(transport));
        Assert.Equal(1024, target.Written.Length);
        Assert.Equal(1, session.UnexpectedBlocks);

        session.OnDatagram(Block(content, 3, 512), 600);
        session.OnDatagram(Block(content, 4, 512), 600);
        Assert.Equal(content, target.Written.ToArray());
    }

    [Fact]
    public void DuplicatingNetwork_EveryBlockTwice_EachWrittenOnce()
    {
        var content = Bytes((512 * 10) + 3);
        var (session, _, target) = Create();
        session.Start(0);
        for (long i = 1; i <= 11; i++)
        {
            session.OnDatagram(Block(content, i, 512), 0);
            session.OnDatagram(Block(content, i, 512), 0);
        }

        Assert.Equal(content, target.Written.ToArray());
        Assert.Equal(11, target.Writes);
        Assert.True(session.Stored);
    }

    [Fact]
    public void StaleAndFarFutureBlocks_NotWritten()
    {
        var content = Bytes(512 * 4);
        var (session, _, target) = Create();
        session.Start(0);
        session.OnDatagram(Block(content, 1, 512), 0);
        session.OnDatagram(Data(60000, new byte[512]), 0);
        session.OnDatagram(Data(0, new byte[512]), 0);
        session.OnDatagram(Data(3, new byte[512]), 0);
        Assert.Equal(512, target.Written.Length);
        Assert.Equal(3, session.UnexpectedBlocks);
        Assert.Equal(1, session.BlocksReceived);
    }

    [Fact]
    public void Window_AcksAtWindowEndAndAtLastBlockOnly()
    {
        var content = Bytes((512 * 10) + 100); // 11 blocks
        var (session, transport, target) = Create(Window(4));
        session.Start(0);
        Assert.True(TftpPacket.TryReadOack(transport.Last, out var oack));
        Assert.Equal(4, oack.WindowSize);
        for (long i = 1; i <= 11; i++)
        {
            session.OnDatagram(Block(content, i, 512), 0);
        }

        Assert.Equal([4, 8, 11], Acks(transport));
        Assert.Equal(content, target.Written.ToArray());
    }

    [Fact]
    public void Window_Gap_AcksLastInOrderOnce_ThenAcceptsTheResentWindow()
    {
        var content = Bytes(512 * 12); // 13 blocks, the last one empty
        var (session, transport, target) = Create(Window(4));
        session.Start(0);
        for (long i = 1; i <= 4; i++)
        {
            session.OnDatagram(Block(content, i, 512), 0);
        }

        // Window 5..8: block 6 is lost; 7 and 8 arrive after the gap.
        session.OnDatagram(Block(content, 5, 512), 0);
        session.OnDatagram(Block(content, 7, 512), 0);
        session.OnDatagram(Block(content, 8, 512), 0);
        Assert.Equal([4, 5], Acks(transport)); // one ACK of the last in-order block, not one per stray block

        // RFC 7440: the sender restarts right after the ACKed block: 6..9.
        for (long i = 6; i <= 13; i++)
        {
            session.OnDatagram(Block(content, i, 512), 0);
        }

        Assert.Equal([4, 5, 9, 13], Acks(transport));
        Assert.Equal(content, target.Written.ToArray());
        Assert.Equal(2, session.UnexpectedBlocks);
    }

    [Fact]
    public void Window_ReorderedBlocks_NeverWrittenOutOfOrder()
    {
        var content = Bytes((512 * 4) + 1); // 5 blocks
        var (session, transport, target) = Create(Window(4));
        session.Start(0);
        session.OnDatagram(Block(content, 2, 512), 0); // overtakes 1: dropped, ACK 0 (last in order)
        session.OnDatagram(Block(content, 1, 512), 0);
        session.OnDatagram(Block(content, 3, 512), 0); // 2 is still missing: ACK 1
        session.OnDatagram(Block(content, 4, 512), 0);
        Assert.Equal([0, 1], Acks(transport));
        Assert.Equal(content.AsSpan(0, 512).ToArray(), target.Written.ToArray());

        for (long i = 2; i <= 5; i++)
        {
            session.OnDatagram(Block(content, i, 512), 0);
        }

        Assert.Equal([0, 1, 5], Acks(transport));
        Assert.Equal(content, target.Written.ToArray());
    }

    [Fact]
    public void Window_LostWindowAck_ResentWindowReAckedOnce()
    {
        var content = Bytes(512 * 8); // 9 blocks
        var (session, transport, target) = Create(Window(4));
        session.Start(0);
        for (long i = 1; i <= 4; i++)
        {
            session.OnDatagram(Block(content, i, 512), 0);
        }

        // ACK 4 is lost: the sender resends 1..4.
        for (long i = 1; i <= 4; i++)
        {
            session.OnDatagram(Block(content, i, 512), 0);
        }

        Assert.Equal([4, 4], Acks(transport));
        Assert.Equal(4, target.Writes);
    }

    [Fact]
    public void Rollover_MoreThan65536Blocks_AtBlksize8_StoredIntact()
    {
        var requested = TftpRequestOptions.None;
        requested.BlockSize = 8;
        const long Blocks = 70_000;
        var content = Bytes((int)(Blocks * 8) + 3);
        var (session, transport, target) = Create(requested);
        session.Start(0);
        for (long i = 1; i <= Blocks + 1; i++)
        {
            session.OnDatagram(Block(content, i, 8), 0);
        }

        Assert.True(session.Stored);
        Assert.Equal(content, target.Written.ToArray());
        var acks = Acks(transport);
        Assert.Equal(unchecked((ushort)(Blocks + 1)), acks[^1]);
        Assert.Contains((ushort)0, acks); // block 65536 is acknowledged as 0
        Assert.Equal(0, session.UnexpectedBlocks);
    }

    [Fact]
    public void Rollover_DuplicateAcrossTheWrap_NotWrittenTwice()
    {
        var requested = TftpRequestOptions.None;
        requested.BlockSize = 8;
        var content = Bytes((65_540 * 8) + 1);
        var (session, _, target) = Create(requested);
        session.Start(0);
        for (long i = 1; i <= 65_537; i++)
        {
            session.OnDatagram(Block(content, i, 8), 0);
        }

        session.OnDatagram(Block(content, 65_536, 8), 0); // block 0 again
        session.OnDatagram(Block(content, 65_537, 8), 0); // block 1 again: not the file's first block
        Assert.Equal(65_537 * 8, target.Written.Length);
        for (long i = 65_538; i <= 65_541; i++)
        {
            session.OnDatagram(Block(content, i, 8), 0);
        }

        Assert.Equal(content, target.Written.ToArray());
    }

    [Fact]
    public void ClientErrorMidTransfer_EndsAndDiscards()
    {
        var content = Bytes(4000);
        var (session, transport, target) = Create();
        session.Start(0);
        session.OnDatagram(Block(content, 1, 512), 0);
        var error = new byte[32];
        TftpPacket.TryWriteError(error, TftpErrorCode.NotDefined, "cancelled", out int n);
        Assert.Equal(TftpSessionStatus.AbortedByClient, session.OnDatagram(error.AsSpan(0, n), 0));
        Assert.True(target.Discarded);
        Assert.False(target.Committed);
        int sent = transport.Sent.Count;
        session.OnDatagram(Block(content, 2, 512), 0);
        session.OnTick(10 * Frequency);
        Assert.Equal(sent, transport.Sent.Count);
    }

    [Fact]
    public void RetryExhaustion_TimesOut_SendsErrorAndDiscards()
    {
        var content = Bytes(4000);
        var (session, transport, target) = Create(maxRetries: 2);
        session.Start(0);
        session.OnDatagram(Block(content, 1, 512), 0);
        Assert.Equal(TftpSessionStatus.Active, session.OnTick(Frequency));
        Assert.Equal(TftpSessionStatus.Active, session.OnTick(2 * Frequency));
        Assert.Equal(TftpSessionStatus.TimedOut, session.OnTick(3 * Frequency));
        Assert.Equal([0, 1, 1, 1], Acks(transport));
        Assert.Equal(TftpErrorCode.NotDefined, LastError(transport));
        Assert.True(target.Discarded);
        Assert.Equal(2, session.Retransmissions);
    }

    [Fact]
    public void Progress_ResetsTheRetryCount()
    {
        var content = Bytes(512 * 5);
        var (session, _, _) = Create(maxRetries: 1);
        session.Start(0);
        long now = 0;
        for (long i = 1; i <= 4; i++)
        {
            now += Frequency;
            Assert.Equal(TftpSessionStatus.Active, session.OnTick(now)); // one retransmission per block: allowed
            session.OnDatagram(Block(content, i, 512), now);
        }

        Assert.Equal(4, session.Retransmissions);
    }

    [Fact]
    public void OverSize_ByActualBytes_Error3AndDiscarded()
    {
        var content = Bytes(4000);
        var (session, transport, target) = Create(maxBytes: 1500);
        session.Start(0);
        session.OnDatagram(Block(content, 1, 512), 0);
        session.OnDatagram(Block(content, 2, 512), 0);
        Assert.Equal(TftpSessionStatus.Failed, session.OnDatagram(Block(content, 3, 512), 0));
        Assert.Equal(TftpErrorCode.DiskFull, LastError(transport));
        Assert.True(target.Discarded);
        Assert.Equal(1024, target.Written.Length);
        Assert.Contains("maxUploadBytes", session.FailureReason, StringComparison.Ordinal);
    }

    [Fact]
    public void OverSize_ByAnnouncedTsize_Error3BeforeAnything()
    {
        var requested = TftpRequestOptions.None;
        requested.TransferSize = 1501;
        var (session, transport, target) = Create(requested, maxBytes: 1500);
        Assert.Equal(TftpSessionStatus.Failed, session.Start(0));
        Assert.Equal(TftpErrorCode.DiskFull, LastError(transport));
        Assert.Single(transport.Sent); // no OACK, no ACK
        Assert.True(target.Discarded);
        Assert.Equal(0, target.Writes);
    }

    [Fact]
    public void OverSize_ExactlyAtTheLimit_IsAccepted()
    {
        var content = Bytes(1500);
        var (session, _, target) = Create(maxBytes: 1500);
        session.Start(0);
        for (long i = 1; i <= 3; i++)
        {
            session.OnDatagram(Block(content, i, 512), 0);
        }

        Assert.True(target.Committed);
    }

    [Fact]
    public void BlockLargerThanBlksize_Error4()
    {
        var (session, transport, target) = Create();
        session.Start(0);
        Assert.Equal(TftpSessionStatus.Failed, session.OnDatagram(Data(1, new byte[600]), 0));
        Assert.Equal(TftpErrorCode.IllegalOperation, LastError(transport));
        Assert.True(target.Discarded);
    }

    [Fact]
    public void FinalDally_RetransmittedLastBlockReAckedNotRewritten_ThenCompletes()
    {
        var content = Bytes(700);
        var (session, transport, target) = Create();
        session.Start(0);
        session.OnDatagram(Block(content, 1, 512), 0);
        session.OnDatagram(Block(content, 2, 512), 100); // final: stored, ACK 2 lost
        Assert.Equal(1, target.Commits);
        session.OnDatagram(Block(content, 2, 512), 600);
        session.OnDatagram(Block(content, 2, 512), 700);
        Assert.Equal([0, 1, 2, 2, 2], Acks(transport));
        Assert.Equal(1, target.Commits);
        Assert.Equal(2, target.Writes);
        Assert.Equal(TftpSessionStatus.Active, session.OnTick(100 + Frequency - 1));
        Assert.Equal(TftpSessionStatus.Completed, session.OnTick(100 + Frequency));
        Assert.Equal(content, target.Written.ToArray());
    }

    [Fact]
    public void FinalDally_ClientErrorCannotUndoTheStoredFile()
    {
        var (session, _, target) = Create();
        session.Start(0);
        session.OnDatagram(Data(1, [1, 2, 3]), 0);
        var error = new byte[32];
        TftpPacket.TryWriteError(error, TftpErrorCode.NotDefined, "x", out int n);
        Assert.Equal(TftpSessionStatus.Completed, session.OnDatagram(error.AsSpan(0, n), 1));
        Assert.False(target.Discarded);
    }

    [Fact]
    public void CommitFindsExistingFile_Error6()
    {
        var (session, transport, target) = Create(commit: UploadCommitResult.AlreadyExists);
        session.Start(0);
        Assert.Equal(TftpSessionStatus.Failed, session.OnDatagram(Data(1, [1]), 0));
        Assert.Equal(TftpErrorCode.FileAlreadyExists, LastError(transport));
        Assert.Equal([0], Acks(transport)); // the last block is never acknowledged
        Assert.True(target.Discarded);
    }

    [Fact]
    public void CommitFails_Error0_LastBlockNotAcknowledged()
    {
        var (session, transport, _) = Create(commit: UploadCommitResult.Failed);
        session.Start(0);
        Assert.Equal(TftpSessionStatus.Failed, session.OnDatagram(Data(1, [1]), 0));
        Assert.Equal(TftpErrorCode.NotDefined, LastError(transport));
        Assert.Equal([0], Acks(transport));
    }

    [Fact]
    public void WriteError_FailsWithErrorAndDiscards()
    {
        var (session, transport, target) = Create();
        target.FailWrites = true;
        session.Start(0);
        Assert.Equal(TftpSessionStatus.Failed, session.OnDatagram(Data(1, new byte[512]), 0));
        Assert.NotNull(LastError(transport));
        Assert.True(target.Discarded);
    }

    [Fact]
    public void IgnoresAcksAndGarbage()
    {
        var (session, transport, target) = Create();
        session.Start(0);
        Assert.Equal(TftpSessionStatus.Active, session.OnDatagram([0, 4, 0, 1], 0));
        Assert.Equal(TftpSessionStatus.Active, session.OnDatagram([0xff], 0));
        Assert.Equal(TftpSessionStatus.Active, session.OnDatagram([], 0));
        Assert.Single(transport.Sent);
        Assert.Equal(0, target.Writes);
    }

    [Fact]
    public void Abort_BeforeStored_SendsErrorAndDiscards()
    {
        var (session, transport, target) = Create();
        session.Start(0);
        session.Abort("Server shutting down");
        Assert.Equal(TftpSessionStatus.Failed, session.Status);
        Assert.Equal(TftpErrorCode.NotDefined, LastError(transport));
        Assert.True(target.Discarded);
    }

    [Fact]
    public void DeferredCommit_LastBlockAckedOnlyAfterTheCommit_NothingElseMeanwhile()
    {
        int requested = 0;
        var content = Bytes(700);
        var (session, transport, target) = Create(commitRequested: () => requested++);
        session.Start(0);
        session.OnDatagram(Block(content, 1, 512), 0);
        session.OnDatagram(Block(content, 2, 512), 10);
        Assert.Equal(1, requested);
        Assert.Equal(0, target.Commits);
        Assert.Equal([0, 1], Acks(transport));

        // While the commit runs: a retransmitted last block, a tick long past the deadline, a client ERROR: all wait.
        session.OnDatagram(Block(content, 2, 512), 500);
        Assert.Equal(TftpSessionStatus.Active, session.OnTick(10 * Frequency));
        var error = new byte[32];
        TftpPacket.TryWriteError(error, TftpErrorCode.NotDefined, "x", out int n);
        Assert.Equal(TftpSessionStatus.Active, session.OnDatagram(error.AsSpan(0, n), 600));
        session.Abort("shutting down");
        Assert.Equal([0, 1], Acks(transport));
        Assert.False(target.Discarded);
        Assert.Equal(1, requested);

        Assert.Equal(TftpSessionStatus.Active, session.CompleteCommit(1000));
        Assert.True(session.Stored);
        Assert.Equal([0, 1, 2], Acks(transport));
        Assert.Equal(content, target.Written.ToArray());
        Assert.Equal(TftpSessionStatus.Completed, session.OnTick(1000 + Frequency));
        Assert.Equal(TftpSessionStatus.Completed, session.CompleteCommit(5000)); // a second call changes nothing
    }

    [Fact]
    public void DeferredCommit_ExistingFile_Error6AfterTheCommit()
    {
        var (session, transport, target) = Create(commit: UploadCommitResult.AlreadyExists, commitRequested: () => { });
        session.Start(0);
        session.OnDatagram(Data(1, [1, 2]), 0);
        Assert.Null(LastError(transport));
        Assert.Equal(TftpSessionStatus.Failed, session.CompleteCommit(1));
        Assert.Equal(TftpErrorCode.FileAlreadyExists, LastError(transport));
        Assert.True(target.Discarded);
    }

    [Fact]
    public void FaultInjection_LossyDuplicatingReorderingPath_StoresExactBytes()
    {
        // A whole windowed upload through a seeded faulty path both ways: the stored bytes are exact.
        var random = new Random(42);
        var content = Bytes((1468 * 300) + 77, 9);
        var (session, transport, target) = Create(Window(8, 1468), maxRetries: 50);
        session.Start(0);
        transport.Clear();
        long now = 0;
        long acked = 0;
        long total = (content.Length / 1468) + 1;
        int rounds = 0;
        while (!session.Stored && rounds++ < 10_000)
        {
            // The sender sends a window from the last ACK it saw; the path drops 10 %, duplicates 5 % and swaps neighbours.
            var window = new List<byte[]>();
            for (long i = acked + 1; i <= Math.Min(acked + 8, total); i++)
            {
                if (random.NextDouble() < 0.10)
                {
                    continue;
                }

                window.Add(Block(content, i, 1468));
                if (random.NextDouble() < 0.05)
                {
                    window.Add(Block(content, i, 1468));
                }
            }

            for (int i = 0; i + 1 < window.Count; i++)
            {
                if (random.NextDouble() < 0.05)
                {
                    (window[i], window[i + 1]) = (window[i + 1], window[i]);
                }
            }

            foreach (var packet in window)
            {
                session.OnDatagram(packet, now);
            }

            now += Frequency;
            session.OnTick(now);
            foreach (var ackPacket in transport.Sent)
            {
                if (TftpPacket.TryReadAck(ackPacket, out ushort ack) && random.NextDouble() >= 0.10)
                {
                    long delta = (ushort)(ack - (ushort)acked);
                    if (delta <= 8)
                    {
                        acked += delta;
                    }
                }
            }

            transport.Clear();
        }

        Assert.True(session.Stored, $"not stored after {rounds} rounds");
        Assert.Equal(content, target.Written.ToArray());
    }
}

/// <summary>Records what an upload session writes, commits and discards.</summary>
internal sealed class FakeUploadTarget : ITftpUploadTarget
{
    public MemoryStream Written { get; } = new();

    public int Writes { get; private set; }

    public int Commits { get; private set; }

    public bool Committed { get; private set; }

    public bool Discarded { get; private set; }

    public bool FailWrites { get; set; }

    public UploadCommitResult CommitResult { get; set; } = UploadCommitResult.Stored;

    public void Write(ReadOnlySpan<byte> data)
    {
        if (FailWrites)
        {
            throw new IOException("No space left on device");
        }

        Written.Write(data);
        Writes++;
    }

    public UploadCommitResult Commit(out string detail)
    {
        Commits++;
        detail = "fake";
        Committed = CommitResult == UploadCommitResult.Stored;
        return CommitResult;
    }

    public void Discard()
    {
        if (!Committed)
        {
            Discarded = true;
        }
    }

    public void Dispose() => Discard();
}
