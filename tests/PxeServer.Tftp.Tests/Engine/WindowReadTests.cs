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
}
