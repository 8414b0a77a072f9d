using PxeServer.Protocols.Tftp;
using PxeServer.Tftp.Engine;
using Xunit;

namespace PxeServer.Tftp.Tests.Engine;

/// <summary>
/// A file too large for the cache is read one window at a time (one positional read for as many whole
/// blocks as the 1 MiB window buffer holds): every block must still carry exactly its own bytes.
/// </summary>
public sealed class WindowReadTests : IDisposable
{
    private readonly string _path = Path.Combine(Path.GetTempPath(), $"pxe-window-{Guid.NewGuid():N}.bin");

    public void Dispose() => File.Delete(_path);

    [Theory]
    [InlineData(512, 1, 5000)]          // lockstep: the block buffer
    [InlineData(512, 16, 70_000)]       // one read per window
    [InlineData(1468, 64, 1_000_000)]   // a window of 94 KB
    [InlineData(65464, 32, 3_000_000)]  // 2 MiB windows: two reads of 16 blocks each
    [InlineData(1024, 8, 8 * 1024 * 10)] // an exact multiple: the last block is empty
    public void DiskFile_WindowedRead_DeliversEveryByte(int blockSize, int window, int length)
    {
        var content = new byte[length];
        new Random(length).NextBytes(content);
        File.WriteAllBytes(_path, content);
        var handle = File.OpenHandle(_path);
        using var file = new DiskFileContent(handle, length);
        var requested = TftpRequestOptions.None;
        requested.BlockSize = blockSize;
        requested.WindowSize = window;
        var parameters = TftpTransferParameters.Negotiate(requested, length, 65464, 64, 1);
        var transport = new FakeTransport();
        var session = new TftpSendSession(transport, file, parameters, new byte[blockSize + 4 + 128], 1000, 5);
        var client = new SimulatedClient(blockSize, window);

        var status = session.Start(0);
        while (status == TftpSessionStatus.Active)
        {
            var outbox = transport.Sent.ToArray();
            transport.Clear();
            Assert.NotEmpty(outbox);
            foreach (var datagram in outbox)
            {
                if (client.Receive(datagram) is { } reply)
                {
                    status = session.OnDatagram(reply, 0);
                }
            }
        }

        Assert.Equal(TftpSessionStatus.Completed, status);
        Assert.Equal(content, client.Received.ToArray());
        Assert.Equal(0, session.Retransmissions);
    }

    [Fact]
    public void DiskFile_ShrinkingUnderAWindow_SendsErrorNotShortData()
    {
        var content = new byte[512 * 40];
        File.WriteAllBytes(_path, content);
        var handle = File.OpenHandle(_path);
        using var file = new DiskFileContent(handle, content.Length);
        var requested = TftpRequestOptions.None;
        requested.BlockSize = 512;
        requested.WindowSize = 16;
        var parameters = TftpTransferParameters.Negotiate(requested, content.Length, 65464, 64, 1);
        var transport = new FakeTransport();
        var session = new TftpSendSession(transport, file, parameters, new byte[1024], 1000, 5);
        session.Start(0);
        File.WriteAllBytes(_path, new byte[512 * 10]); // truncated to 10 blocks

        Assert.Equal(TftpSessionStatus.Failed, session.OnDatagram([0, 4, 0, 0], 1));
        Assert.Empty(transport.DataBlocks()); // the window's read came up short: not one block of it is sent
        Assert.True(TftpPacket.TryReadError(transport.Last, out _, out _));
    }

    [Fact]
    public void ReadAhead_NextWindowIsReadAfterASend_AndSentWithoutAnotherRead()
    {
        var bytes = Pattern(512 * 40 + 100);
        var file = new RecordingContent(bytes);
        var (session, transport) = Windowed(file, 512, 8);
        session.Start(0);
        session.OnDatagram(Ack(0), 0); // window 1 (blocks 1..8) goes out, window 2 is read ahead

        Assert.Equal([0L, 8 * 512L], file.Offsets);
        AssertBlocks(transport, bytes, 512, 1, 8);

        transport.Clear();
        session.OnDatagram(Ack(8), 0); // window 2 from the read-ahead; window 3 read ahead
        Assert.Equal([0L, 8 * 512L, 16 * 512L], file.Offsets);
        AssertBlocks(transport, bytes, 512, 9, 16);
        Assert.Equal(1, session.WindowsReadAhead);
    }

    [Fact]
    public void ReadAhead_APartialAck_RestartsFromTheFileNotFromTheReadAhead()
    {
        var (bytes, file, session, transport) = AfterFirstWindow();

        session.OnDatagram(Ack(5), 0); // blocks 6..8 lost: the window restarts at 6 (RFC 7440)

        AssertBlocks(transport, bytes, 512, 6, 13);
        Assert.Equal(5 * 512L, file.Offsets[2]);
        Assert.Equal(0, session.WindowsReadAhead);
    }

    [Fact]
    public void ReadAhead_ARetransmittedWindow_DoesNotReadTheNextOneAgain()
    {
        var (bytes, file, session, transport) = AfterFirstWindow();

        session.OnTick(10_000); // no ACK: window 1 again
        AssertBlocks(transport, bytes, 512, 1, 8);
        Assert.Equal([0L, 8 * 512L, 0L], file.Offsets);

        transport.Clear();
        session.OnDatagram(Ack(8), 10_000);
        AssertBlocks(transport, bytes, 512, 9, 16);
        Assert.Equal(1, session.WindowsReadAhead);
    }

    [Fact]
    public void ReadAhead_APacedSession_ReadsOnlyWhatItSends()
    {
        var bytes = Pattern(512 * 40 + 100);
        var file = new RecordingContent(bytes);
        var (session, transport) = Windowed(file, 512, 8);
        session.Pace();
        session.Start(0);
        session.OnDatagram(Ack(0), 0);
        session.OnTick(1);
        session.OnDatagram(Ack(8), 1);
        session.OnTick(2);

        Assert.Equal([0L, 8 * 512L], file.Offsets);
        AssertBlocks(transport, bytes, 512, 1, 16);
        Assert.Equal(0, session.WindowsReadAhead);
    }

    [Fact]
    public void ReadAhead_AFileThatShrinksAfterTheReadAhead_EndsWithAnErrorOnTheNextRead()
    {
        var bytes = Pattern(512 * 40);
        var file = new RecordingContent(bytes);
        var (session, transport) = Windowed(file, 512, 8);
        session.Start(0);
        session.OnDatagram(Ack(0), 0); // window 2 already read
        file.Truncate(512 * 12);

        Assert.Equal(TftpSessionStatus.Active, session.OnDatagram(Ack(8), 0)); // sends window 2 as read; window 3 comes up short
        Assert.Equal(TftpSessionStatus.Failed, session.OnDatagram(Ack(16), 0));
        Assert.True(TftpPacket.TryReadError(transport.Last, out _, out _));
    }

    [Fact]
    public void ReadAhead_WholeTransfers_AreExact_AndUseTheReadAhead()
    {
        foreach (var (blockSize, window, length) in new[] { (512, 4, 512 * 4 * 10), (1468, 64, 1_000_003), (65464, 16, 5_000_000), (512, 3, 1000) })
        {
            var bytes = Pattern(length);
            var file = new RecordingContent(bytes);
            var (session, transport) = Windowed(file, blockSize, window);
            var client = new SimulatedClient(blockSize, window);
            var status = session.Start(0);
            while (status == TftpSessionStatus.Active)
            {
                var outbox = transport.Sent.ToArray();
                transport.Clear();
                foreach (var datagram in outbox)
                {
                    if (client.Receive(datagram) is { } reply)
                    {
                        status = session.OnDatagram(reply, 0);
                    }
                }
            }

            Assert.Equal(TftpSessionStatus.Completed, status);
            Assert.Equal(bytes, client.Received.ToArray());
            long windows = ((length / blockSize) + window) / window;
            Assert.Equal(windows - 1, session.WindowsReadAhead);
        }
    }

    /// <summary>A 40-block file at blksize 512, windowsize 8, with window 1 sent and not yet acknowledged (window 2 read ahead).</summary>
    private static (byte[] Bytes, RecordingContent File, TftpSendSession Session, FakeTransport Transport) AfterFirstWindow()
    {
        var bytes = Pattern(512 * 40 + 100);
        var file = new RecordingContent(bytes);
        var (session, transport) = Windowed(file, 512, 8);
        session.Start(0);
        session.OnDatagram(Ack(0), 0);
        transport.Clear();
        return (bytes, file, session, transport);
    }

    private static (TftpSendSession Session, FakeTransport Transport) Windowed(ITftpFileContent file, int blockSize, int window)
    {
        var requested = TftpRequestOptions.None;
        requested.BlockSize = blockSize;
        requested.WindowSize = window;
        var parameters = TftpTransferParameters.Negotiate(requested, file.Length, 65464, 64, 1);
        var transport = new FakeTransport();
        return (new TftpSendSession(transport, file, parameters, new byte[blockSize + 4 + 128], 1000, 5), transport);
    }

    private static byte[] Ack(ushort block) => [0, 4, (byte)(block >> 8), (byte)block];

    private static byte[] Pattern(int length)
    {
        var bytes = new byte[length];
        new Random(length).NextBytes(bytes);
        return bytes;
    }

    private static void AssertBlocks(FakeTransport transport, byte[] file, int blockSize, int first, int last)
    {
        var data = transport.Sent.Where(p => TftpPacket.TryReadData(p, out _, out _)).ToList();
        Assert.Equal(last - first + 1, data.Count);
        for (int i = 0; i < data.Count; i++)
        {
            TftpPacket.TryReadData(data[i], out ushort block, out var payload);
            int index = first + i;
            Assert.Equal((ushort)index, block);
            int offset = (index - 1) * blockSize;
            Assert.True(payload.SequenceEqual(file.AsSpan(offset, Math.Min(blockSize, file.Length - offset))), $"block {index} carries other bytes");
        }
    }

    /// <summary>File content read through <see cref="ITftpFileContent.Read"/> (as a disk file is), recording each read's offset.</summary>
    private sealed class RecordingContent(byte[] bytes) : ITftpFileContent
    {
        private int _length = bytes.Length;

        public List<long> Offsets { get; } = [];

        public long Length { get; } = bytes.Length;

        public void Truncate(int length) => _length = length;

        public int Read(long offset, Span<byte> destination)
        {
            Offsets.Add(offset);
            if (offset >= _length)
            {
                return 0;
            }

            int count = (int)Math.Min(destination.Length, _length - offset);
            bytes.AsSpan((int)offset, count).CopyTo(destination);
            return count;
        }

        public void Dispose()
        {
        }
    }
}
