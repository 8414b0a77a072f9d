using System.Net;
using System.Net.Sockets;
using PxeServer.Tftp.Engine;

namespace PxeServer.Tftp.Transport;

/// <summary>
/// A session's own UDP socket (its TID). It is not <c>connect</c>ed, on purpose: Linux silently drops
/// datagrams from other peers on a connected UDP socket, and RFC 1350 wants a wrong TID answered with
/// ERROR 5. Sends use the stored client <see cref="SocketAddress"/> and the span overload: no allocation.
/// </summary>
internal sealed unsafe class UdpSessionTransport(Socket socket, SocketAddress client, byte[] clientSockaddr, bool native) : ITftpSessionTransport
{
    public long SendErrors { get; private set; }

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
}
