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
