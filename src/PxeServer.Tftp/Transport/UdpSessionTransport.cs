using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using PxeServer.Protocols.Tftp;
using PxeServer.Tftp.Engine;

namespace PxeServer.Tftp.Transport;

/// <summary>
/// A session's own UDP socket (its TID). It is not <c>connect</c>ed, on purpose: Linux silently drops
/// datagrams from other peers on a connected UDP socket, and RFC 1350 wants a wrong TID answered with
/// ERROR 5. Sends use the stored client <see cref="SocketAddress"/> and the span overload: no allocation.
/// <para>
/// DATA goes out without a copy into a send buffer: each block is a gather of its 4-byte header and the
/// payload where it lies (cached file or window buffer). A window is flushed in one system call: with UDP
/// generic segmentation offload (UDP_SEGMENT, Linux 4.18) when two or more blocks fit in one 64 KiB send
/// (the kernel cuts it into the datagrams), else with sendmmsg. Should the kernel refuse GSO for the
/// route (a device without checksum offload), the transport falls back to sendmmsg for good.
/// </para>
/// </summary>
internal sealed unsafe class UdpSessionTransport(Socket socket, SocketAddress client, byte[] clientSockaddr, bool native) : ITftpSessionTransport
{
    /// <summary>Blocks one flush can carry (RFC 7440 windows are usually 4..64).</summary>
    private const int MaxBatch = 64;

    /// <summary>Segments per GSO send (the kernel's UDP_MAX_SEGMENTS is 64 on older kernels).</summary>
    private const int MaxGsoSegments = 64;

    /// <summary>Bytes per GSO send: a UDP datagram's payload limit (65,507) with a margin.</summary>
    private const int MaxGsoBytes = 65_000;

    private Batch? _batch;
    private bool _gso = true;

    // The first queued block, kept here so a lockstep transfer never allocates a batch.
    private byte* _singlePayload;
    private int _singleLength;
    private ushort _singleBlock;
    private int _count;

    public long SendErrors { get; private set; }

    /// <summary>Use UDP GSO for windows (<c>tftp.udpSegmentationOffload</c>); turns itself off if the kernel refuses it.</summary>
    public bool UseGso
    {
        get => _gso;
        set => _gso = value;
    }

    /// <summary>GSO sends (each several datagrams), for tests and benchmarks.</summary>
    public long GsoSends { get; private set; }

    /// <summary>sendmmsg calls, for tests and benchmarks.</summary>
    public long BatchSends { get; private set; }

    public void Send(ReadOnlySpan<byte> datagram)
    {
        try
        {
            if (native)
            {
                // A blocking sendto: it waits only while the socket's send buffer is full (large windows).
                fixed (byte* data = datagram)
                fixed (byte* to = clientSockaddr)
                {
                    if (NativeUdp.SendTo(socket.SafeHandle, data, datagram.Length, 0, to, NativeUdp.SockaddrInSize) < 0)
                    {
                        SendErrors++;
                    }
                }

                return;
            }

            socket.SendTo(datagram, SocketFlags.None, client);
        }
        catch (SocketException)
        {
            // Transient (buffer full, ICMP unreachable): the retransmission timer recovers, or the session times out.
            SendErrors++;
        }
        catch (ObjectDisposedException)
        {
            // The session was closed concurrently.
        }
    }

    public void QueueData(ushort block, byte* payload, int length)
    {
        if (!native)
        {
            ((ITftpSessionTransport)new CopyingTransport(this)).QueueData(block, payload, length);
            return;
        }

        if (_count == 0)
        {
            _singleBlock = block;
            _singlePayload = payload;
            _singleLength = length;
            _count = 1;
            return;
        }

        var batch = _batch ??= new Batch();
        if (_count == 1)
        {
            batch.Set(0, _singleBlock, _singlePayload, _singleLength);
        }

        if (_count == MaxBatch)
        {
            Flush();
            _singleBlock = block;
            _singlePayload = payload;
            _singleLength = length;
            _count = 1;
            return;
        }

        batch.Set(_count++, block, payload, length);
    }

    public void Flush()
    {
        int count = _count;
        _count = 0;
        if (count == 0)
        {
            return;
        }

        try
        {
            fixed (byte* to = clientSockaddr)
            {
                if (count == 1)
                {
                    SendOne(to);
                    return;
                }

                var batch = _batch!;
                int sent = 0;
                while (sent < count)
                {
                    int run = _gso ? GsoRun(batch, sent, count) : 0;
                    if (run >= 2)
                    {
                        if (batch.SendGso(socket.SafeHandle, to, sent, run, out int errno))
                        {
                            GsoSends++;
                            sent += run;
                            continue;
                        }

                        if (errno is NativeUdp.EIo or NativeUdp.EInval or NativeUdp.ENoProtoOpt or NativeUdp.EOpNotSupp)
                        {
                            // The route cannot segment (or the kernel predates UDP_SEGMENT): sendmmsg from now on.
                            _gso = false;
                            continue;
                        }

                        SendErrors++;
                        return;
                    }

                    // Blocks too large to pair up in 64 KiB (blksize above ~32 KiB), or no GSO: one sendmmsg for the rest.
                    int n = batch.SendMany(socket.SafeHandle, to, sent, count - sent);
                    if (n <= 0)
                    {
                        SendErrors++;
                        return;
                    }

                    BatchSends++;
                    sent += n;
                }
            }
        }
        catch (ObjectDisposedException)
        {
            // The session was closed concurrently.
        }
    }

    /// <summary>How many blocks from <paramref name="start"/> fit in one GSO send: all full-size but the last, within the limits.</summary>
    private static int GsoRun(Batch batch, int start, int count)
    {
        int segment = batch.Length(start);
        int limit = Math.Min(MaxGsoSegments, MaxGsoBytes / (segment + TftpPacket.DataHeaderSize));
        int n = 1;
        while (start + n < count && n < limit)
        {
            int next = batch.Length(start + n);
            if (next > segment)
            {
                break;
            }

            n++;
            if (next < segment)
            {
                break; // a short block can only be the last segment
            }
        }

        return n;
    }

    private void SendOne(byte* to)
    {
        byte* header = stackalloc byte[TftpPacket.DataHeaderSize];
        BinaryPrimitives.WriteUInt16BigEndian(new Span<byte>(header, 2), (ushort)TftpOpcode.Data);
        BinaryPrimitives.WriteUInt16BigEndian(new Span<byte>(header + 2, 2), _singleBlock);
        var iov = stackalloc NativeUdp.IoVec[2];
        iov[0] = new NativeUdp.IoVec { Base = header, Length = TftpPacket.DataHeaderSize };
        iov[1] = new NativeUdp.IoVec { Base = _singlePayload, Length = (nuint)_singleLength };
        var message = new NativeUdp.MsgHdr { Name = to, NameLength = NativeUdp.SockaddrInSize, Iov = iov, IovLength = 2 };
        if (NativeUdp.SendMsg(socket.SafeHandle, &message, 0) < 0)
        {
            SendErrors++;
        }
    }

    /// <summary>Opens a UDP socket on an ephemeral port of <paramref name="local"/>, bound to an interface when given.</summary>
    public static Socket OpenSocket(IPAddress local, string? interfaceName, int sendBuffer)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            if (!string.IsNullOrEmpty(interfaceName))
            {
                BindToDevice(socket, interfaceName);
            }

            if (sendBuffer > 0)
            {
                socket.SendBufferSize = sendBuffer;
            }

            socket.Bind(new IPEndPoint(local, 0));
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>SO_BINDTODEVICE (SOL_SOCKET=1, option 25 on Linux).</summary>
    public static void BindToDevice(Socket socket, string interfaceName)
    {
        var name = new byte[interfaceName.Length + 1];
        System.Text.Encoding.ASCII.GetBytes(interfaceName, name);
        socket.SetRawSocketOption(1, 25, name);
    }

    /// <summary>The portable path: the interface's copying default, sending through <see cref="Send"/>.</summary>
    private sealed class CopyingTransport(UdpSessionTransport owner) : ITftpSessionTransport
    {
        public void Send(ReadOnlySpan<byte> datagram) => owner.Send(datagram);
    }

    /// <summary>
    /// The gather lists of one window, in memory the GC never moves (allocated once per windowed session,
    /// on the pinned object heap): per block a 4-byte header, two iovecs, and an mmsghdr.
    /// </summary>
    private sealed class Batch
    {
        private readonly byte[] _headers = GC.AllocateArray<byte>(MaxBatch * TftpPacket.DataHeaderSize, pinned: true);
        private readonly NativeUdp.IoVec[] _iov = GC.AllocateArray<NativeUdp.IoVec>(MaxBatch * 2, pinned: true);
        private readonly NativeUdp.MMsgHdr[] _messages = GC.AllocateArray<NativeUdp.MMsgHdr>(MaxBatch, pinned: true);
        private readonly byte[] _control = GC.AllocateArray<byte>(NativeUdp.GsoControlSize, pinned: true);

        public int Length(int i) => (int)_iov[(i * 2) + 1].Length;

        public void Set(int i, ushort block, byte* payload, int length)
        {
            fixed (byte* headers = _headers)
            {
                byte* header = headers + (i * TftpPacket.DataHeaderSize);
                header[0] = 0;
                header[1] = (byte)TftpOpcode.Data;
                header[2] = (byte)(block >> 8);
                header[3] = (byte)block;
                _iov[i * 2] = new NativeUdp.IoVec { Base = header, Length = TftpPacket.DataHeaderSize };
                _iov[(i * 2) + 1] = new NativeUdp.IoVec { Base = payload, Length = (nuint)length };
            }
        }

        /// <summary>One sendmmsg of <paramref name="count"/> datagrams; returns how many went, or -1.</summary>
        public int SendMany(SafeHandle socket, byte* to, int start, int count)
        {
            fixed (NativeUdp.IoVec* iov = _iov)
            fixed (NativeUdp.MMsgHdr* messages = _messages)
            {
                for (int i = 0; i < count; i++)
                {
                    messages[i] = new NativeUdp.MMsgHdr
                    {
                        Header = new NativeUdp.MsgHdr { Name = to, NameLength = NativeUdp.SockaddrInSize, Iov = iov + ((start + i) * 2), IovLength = 2 },
                    };
                }

                int sent = 0;
                while (sent < count)
                {
                    int n = NativeUdp.SendMMsg(socket, messages + sent, (uint)(count - sent), 0);
                    if (n <= 0)
                    {
                        return sent > 0 ? sent : -1;
                    }

                    sent += n;
                }

                return sent;
            }
        }

        /// <summary>One sendmsg whose payload the kernel cuts into <paramref name="count"/> datagrams of the first block's size.</summary>
        public bool SendGso(SafeHandle socket, byte* to, int start, int count, out int errno)
        {
            fixed (NativeUdp.IoVec* iov = _iov)
            fixed (byte* control = _control)
            {
                NativeUdp.WriteGsoControl(control, (ushort)(Length(start) + TftpPacket.DataHeaderSize));
                var message = new NativeUdp.MsgHdr
                {
                    Name = to,
                    NameLength = NativeUdp.SockaddrInSize,
                    Iov = iov + (start * 2),
                    IovLength = (nuint)(count * 2),
                    Control = control,
                    ControlLength = NativeUdp.GsoControlSize,
                };
                if (NativeUdp.SendMsg(socket, &message, 0) >= 0)
                {
                    errno = 0;
                    return true;
                }

                errno = Marshal.GetLastPInvokeError();
                return false;
            }
        }
    }
}
