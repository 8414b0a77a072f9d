using System.Buffers;
using System.Buffers.Binary;
using PxeServer.Protocols.Tftp;

namespace PxeServer.Tftp.Engine;

/// <summary>Where a session's datagrams go: the session's own UDP socket, or a fake in tests.</summary>
internal unsafe interface ITftpSessionTransport
{
    /// <summary>Sends one datagram to the session's client. Must not keep <paramref name="datagram"/>.</summary>
    void Send(ReadOnlySpan<byte> datagram);

    /// <summary>
    /// Queues DATA <paramref name="block"/> whose payload is <paramref name="length"/> bytes at <paramref name="payload"/>,
    /// sent by the next <see cref="Flush"/>. The payload must stay pinned and unchanged until then: a socket
    /// transport sends it from where it lies (no copy into a send buffer) and a window in one batched system call.
    /// This default sends at once through a copy (fakes and benchmarks).
    /// </summary>
    void QueueData(ushort block, byte* payload, int length)
    {
        byte[] datagram = ArrayPool<byte>.Shared.Rent(TftpPacket.DataHeaderSize + length);
        try
        {
            BinaryPrimitives.WriteUInt16BigEndian(datagram, (ushort)TftpOpcode.Data);
            BinaryPrimitives.WriteUInt16BigEndian(datagram.AsSpan(2), block);
            new ReadOnlySpan<byte>(payload, length).CopyTo(datagram.AsSpan(TftpPacket.DataHeaderSize));
            Send(datagram.AsSpan(0, TftpPacket.DataHeaderSize + length));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(datagram);
        }
    }

    /// <summary>Sends what <see cref="QueueData"/> queued.</summary>
    void Flush()
    {
    }
}
