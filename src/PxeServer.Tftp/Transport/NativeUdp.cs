using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace PxeServer.Tftp.Transport;

/// <summary>
/// The few Linux calls the session I/O loop needs: epoll, and recvfrom/sendto on non-blocking UDP
/// sockets. .NET's async sockets hop from the epoll thread to the thread pool for every datagram, which
/// costs more than the whole TFTP turn-around on loopback; the loop runs the engine on the epoll thread.
/// SafeHandle parameters keep a socket's descriptor alive for the length of each call.
/// </summary>
internal static unsafe partial class NativeUdp
{
    public const int SockaddrInSize = 16;
    public const uint EpollIn = 0x001;
    public const int EpollCtlAdd = 1;
    public const int EpollCtlDel = 2;
    public const int MsgDontWait = 0x40;
    public const int EAgain = 11;
    public const int EIntr = 4;
    public const int EIo = 5;
    public const int EInval = 22;
    public const int ENoProtoOpt = 92;
    public const int EOpNotSupp = 95;

    /// <summary>CMSG_SPACE(sizeof(uint16_t)) on LP64: a 16-byte cmsghdr and the value padded to 8.</summary>
    public const int GsoControlSize = 24;

    private const int SolUdp = 17;
    private const int UdpSegment = 103;

    /// <summary>sizeof(struct epoll_event): packed (12) on x86_64, naturally aligned (16) elsewhere.</summary>
    public static readonly int EpollEventSize = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 12 : 16;

    public static bool IsSupported => OperatingSystem.IsLinux() && RuntimeInformation.ProcessArchitecture is Architecture.X64 or Architecture.Arm64;

    /// <summary>Writes an IPv4 <c>sockaddr_in</c>: family (host order), port (network order), address.</summary>
    public static void WriteSockaddr(IPEndPoint endPoint, Span<byte> destination)
    {
        destination[..SockaddrInSize].Clear();
        destination[0] = (byte)AddressFamily.InterNetwork;
        destination[2] = (byte)(endPoint.Port >> 8);
        destination[3] = (byte)endPoint.Port;
        endPoint.Address.TryWriteBytes(destination.Slice(4, 4), out _);
    }

    public static IPEndPoint ReadSockaddr(ReadOnlySpan<byte> sockaddr) =>
        new(new IPAddress(sockaddr.Slice(4, 4)), (sockaddr[2] << 8) | sockaddr[3]);

    /// <summary>Writes the UDP_SEGMENT control message: the kernel cuts the send into datagrams of <paramref name="segmentSize"/> bytes.</summary>
    public static void WriteGsoControl(byte* control, ushort segmentSize)
    {
        new Span<byte>(control, GsoControlSize).Clear();
        *(nuint*)control = 16 + sizeof(ushort); // cmsg_len = CMSG_LEN(2)
        *(int*)(control + 8) = SolUdp;
        *(int*)(control + 12) = UdpSegment;
        *(ushort*)(control + 16) = segmentSize;
    }

    /// <summary>struct iovec.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct IoVec
    {
        public void* Base;
        public nuint Length;
    }

    /// <summary>struct msghdr (LP64 layout).</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct MsgHdr
    {
        public void* Name;
        public uint NameLength;
        public IoVec* Iov;
        public nuint IovLength;
        public void* Control;
        public nuint ControlLength;
        public int Flags;
    }

    /// <summary>struct mmsghdr.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct MMsgHdr
    {
        public MsgHdr Header;
        public uint Length;
    }

    [LibraryImport("libc", EntryPoint = "sendmsg", SetLastError = true)]
    public static partial nint SendMsg(SafeHandle fd, MsgHdr* message, int flags);

    [LibraryImport("libc", EntryPoint = "sendmmsg", SetLastError = true)]
    public static partial int SendMMsg(SafeHandle fd, MMsgHdr* messages, uint count, int flags);

    [LibraryImport("libc", EntryPoint = "epoll_create1", SetLastError = true)]
    public static partial int EpollCreate1(int flags);

    [LibraryImport("libc", EntryPoint = "epoll_ctl", SetLastError = true)]
    public static partial int EpollCtl(int epfd, int op, SafeHandle fd, byte* @event);

    [LibraryImport("libc", EntryPoint = "epoll_wait", SetLastError = true)]
    public static partial int EpollWait(int epfd, byte* events, int maxEvents, int timeoutMs);

    [LibraryImport("libc", EntryPoint = "recvfrom", SetLastError = true)]
    public static partial nint RecvFrom(SafeHandle fd, byte* buffer, nint length, int flags, byte* address, int* addressLength);

    [LibraryImport("libc", EntryPoint = "sendto", SetLastError = true)]
    public static partial nint SendTo(SafeHandle fd, byte* buffer, nint length, int flags, byte* address, int addressLength);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    public static partial int Close(int fd);
}
