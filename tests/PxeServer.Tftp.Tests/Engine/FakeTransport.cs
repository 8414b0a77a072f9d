using PxeServer.Protocols.Tftp;
using PxeServer.Tftp.Engine;

namespace PxeServer.Tftp.Tests.Engine;

/// <summary>Records every datagram a session sends.</summary>
internal sealed class FakeTransport : ITftpSessionTransport
{
    public List<byte[]> Sent { get; } = [];

    public void Send(ReadOnlySpan<byte> datagram) => Sent.Add(datagram.ToArray());

    public List<ushort> DataBlocks() =>
        [.. Sent.Where(p => TftpPacket.TryReadData(p, out _, out _)).Select(p => { TftpPacket.TryReadData(p, out ushort b, out _); return b; })];

    public byte[] Last => Sent[^1];

    public void Clear() => Sent.Clear();
}

/// <summary>Content whose reads fail, to test I/O errors.</summary>
internal sealed class FailingContent(long length) : ITftpFileContent
{
    public long Length => length;

    public int Read(long offset, Span<byte> destination) => throw new IOException("disk gone");

    public void Dispose()
    {
    }
}
