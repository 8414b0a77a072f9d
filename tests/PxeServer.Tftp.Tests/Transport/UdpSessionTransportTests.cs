using System.Net;
using System.Net.Sockets;
using PxeServer.Protocols.Tftp;
using PxeServer.Tftp.Transport;
using Xunit;

namespace PxeServer.Tftp.Tests.Transport;

/// <summary>
/// The socket transport's batched DATA path on real loopback sockets: whatever way a window leaves (UDP GSO,
/// sendmmsg, single sendmsg), the client must receive one datagram per block, in order, header and bytes exact.
/// </summary>
public sealed unsafe class UdpSessionTransportTests
{
    public static TheoryData<int, int, int, bool> Windows => new()
    {
        { 1468, 40, 100, true },    // GSO: ~44 blocks fit in one send; the short last block ends a segment run
        { 1468, 40, 100, false },   // sendmmsg
        { 512, 150, 0, true },      // more blocks than one flush carries (64), an empty last block
        { 65464, 5, 1, true },      // jumbo blocks never pair up in 64 KiB: sendmmsg even with GSO on
        { 1468, 1, 10, true },      // one block: a plain gather send
    };

    [Theory]
    [MemberData(nameof(Windows))]
    public void Window_ArrivesAsOneDatagramPerBlock_InOrder_Exact(int blockSize, int fullBlocks, int lastLength, bool gso)
    {
        Assert.SkipUnless(NativeUdp.IsSupported, "the native transport is Linux x64/arm64 only");
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        client.ReceiveBufferSize = 8 << 20;
        client.ReceiveTimeout = 5000;
        client.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var clientEndPoint = (IPEndPoint)client.LocalEndPoint!;
        using var server = UdpSessionTransport.OpenSocket(IPAddress.Loopback, null, 8 << 20);
        var sockaddr = new byte[NativeUdp.SockaddrInSize];
        NativeUdp.WriteSockaddr(clientEndPoint, sockaddr);
        var transport = new UdpSessionTransport(server, clientEndPoint.Serialize(), sockaddr, native: true) { UseGso = gso };

        int blocks = fullBlocks + 1;
        var content = new byte[(fullBlocks * blockSize) + lastLength];
        new Random(blockSize + fullBlocks).NextBytes(content);
        fixed (byte* data = content)
        {
            for (int i = 0; i < blocks; i++)
            {
                int offset = i * blockSize;
                transport.QueueData((ushort)(i + 1), data + offset, Math.Min(blockSize, content.Length - offset));
            }

            transport.Flush();
        }

        var buffer = new byte[70_000];
        for (int i = 0; i < blocks; i++)
        {
            int n = client.Receive(buffer);
            Assert.True(TftpPacket.TryReadData(buffer.AsSpan(0, n), out ushort block, out var payload), $"datagram {i} is not DATA");
            Assert.Equal((ushort)(i + 1), block);
            int offset = i * blockSize;
            Assert.True(payload.SequenceEqual(content.AsSpan(offset, Math.Min(blockSize, content.Length - offset))), $"block {block} bytes differ");
        }

        client.ReceiveTimeout = 200;
        Assert.Throws<SocketException>(() => client.Receive(buffer)); // nothing extra
        Assert.Equal(0, transport.SendErrors);
        if (blocks > 1 && gso && blockSize <= 32_000)
        {
            Assert.True(transport.GsoSends > 0, "the kernel took no GSO send (Linux 4.18+ on loopback should)");
        }

        if (blocks > 1 && (!gso || blockSize > 32_000))
        {
            Assert.True(transport.BatchSends > 0);
            Assert.Equal(0, transport.GsoSends);
        }
    }
}
