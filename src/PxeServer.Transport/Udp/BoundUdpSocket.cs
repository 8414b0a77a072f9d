using System.Net;
using System.Net.Sockets;
using System.Text;

namespace PxeServer.Transport.Udp;

/// <summary>
/// Opens UDP sockets the way a DHCP or PXE boot server needs them on Linux: bound to one interface with
/// SO_BINDTODEVICE (so another process can serve port 67 on another interface), SO_REUSEADDR, SO_BROADCAST
/// and IP_PKTINFO (so each datagram says which interface and destination it came in on).
/// Failures become a <see cref="ListenerStartException"/> with one line for the operator.
/// </summary>
public static class BoundUdpSocket
{
    private const int SolSocket = 1;
    private const int SoBindToDevice = 25;
    private const int SoRcvBufForce = 33;

    /// <summary>Receive buffer asked for: a burst of thousands of DISCOVERs must queue, not be dropped by the kernel.</summary>
    public const int ReceiveBufferBytes = 4 << 20;

    /// <summary>Opens and binds the socket.</summary>
    /// <param name="interfaceName">Interface to bind to, or null for all.</param>
    /// <param name="address">Local address (normally <see cref="IPAddress.Any"/>, which is what receives broadcasts).</param>
    /// <param name="port">UDP port.</param>
    /// <param name="broadcast">Enable SO_BROADCAST.</param>
    public static Socket Open(string? interfaceName, IPAddress address, int port, bool broadcast)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        string where = interfaceName is null ? $"port {port}" : $"port {port} on {interfaceName}";
        try
        {
            socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            if (interfaceName is not null)
            {
                BindToDevice(socket, interfaceName);
            }

            socket.EnableBroadcast = broadcast;
            SetReceiveBuffer(socket, ReceiveBufferBytes);
            socket.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.PacketInformation, true);
            socket.Bind(new IPEndPoint(address, port));
            return socket;
        }
        catch (SocketException e)
        {
            socket.Dispose();
            throw e.SocketErrorCode switch
            {
                SocketError.AddressAlreadyInUse => new ListenerStartException($"{where} is in use by another process", e),
                SocketError.AccessDenied => new ListenerStartException($"{where}: permission denied (needs root or CAP_NET_BIND_SERVICE/CAP_NET_RAW)", e),
                SocketError.AddressNotAvailable => new ListenerStartException($"{where}: address {address} is not on this host", e),
                _ when interfaceName is not null && e.NativeErrorCode == 19 => new ListenerStartException($"no interface named {interfaceName}", e),
                _ => new ListenerStartException($"{where}: {e.Message}", e),
            };
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>
    /// SO_RCVBUFFORCE (root: beyond net.core.rmem_max), falling back to SO_RCVBUF (capped by rmem_max).
    /// </summary>
    public static void SetReceiveBuffer(Socket socket, int bytes)
    {
        Span<byte> value = stackalloc byte[4];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(value, bytes);
        try
        {
            socket.SetRawSocketOption(SolSocket, SoRcvBufForce, value);
        }
        catch (SocketException)
        {
            socket.ReceiveBufferSize = bytes;
        }
    }

    /// <summary>SO_BINDTODEVICE: the socket only sees, and only sends on, <paramref name="interfaceName"/>.</summary>
    public static void BindToDevice(Socket socket, string interfaceName)
    {
        byte[] name = new byte[Encoding.ASCII.GetByteCount(interfaceName) + 1];
        Encoding.ASCII.GetBytes(interfaceName, name);
        socket.SetRawSocketOption(SolSocket, SoBindToDevice, name);
    }
}
