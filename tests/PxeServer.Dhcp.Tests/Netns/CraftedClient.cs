using System.Net;
using System.Net.Sockets;
using PxeServer.Protocols.Dhcp;

namespace PxeServer.Dhcp.Tests.Netns;

/// <summary>A hand-made DHCP/PXE client: one UDP socket in the client namespace, requests built with <see cref="RequestBuilder"/>.</summary>
internal sealed class CraftedClient : IDisposable
{
    private readonly byte[] _rx = new byte[65536];

    public CraftedClient(string ns, string dev, int port = 68) => Socket = NetLab.Udp(ns, dev, port);

    public Socket Socket { get; }

    public void Broadcast(byte[] datagram, int port = 67) => Socket.SendTo(datagram, new IPEndPoint(IPAddress.Broadcast, port));

    public void SendTo(byte[] datagram, string address, int port) => Socket.SendTo(datagram, new IPEndPoint(IPAddress.Parse(address), port));

    /// <summary>Collects every parsable reply until <paramref name="timeout"/> (or until <paramref name="stop"/> says so).</summary>
    public List<(DhcpPacket Packet, IPEndPoint From)> Collect(TimeSpan timeout, Func<DhcpPacket, bool>? stop = null)
    {
        var list = new List<(DhcpPacket, IPEndPoint)>();
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero)
            {
                return list;
            }

            Socket.ReceiveTimeout = Math.Max(1, (int)left.TotalMilliseconds);
            EndPoint from = new IPEndPoint(IPAddress.Any, 0);
            int n;
            try
            {
                n = Socket.ReceiveFrom(_rx, ref from);
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.TimedOut || e.SocketErrorCode == SocketError.WouldBlock)
            {
                return list;
            }

            var p = new DhcpPacket();
            if (p.TryParse(_rx.AsSpan(0, n)) && p.Op == 2)
            {
                list.Add((p, (IPEndPoint)from));
                if (stop?.Invoke(p) == true)
                {
                    return list;
                }
            }
        }
    }

    /// <summary>Sends and waits for the first reply with the same xid.</summary>
    public DhcpPacket? Exchange(RequestBuilder request, TimeSpan timeout, string? unicastTo = null, int port = 67)
    {
        var bytes = request.Build();
        if (unicastTo is null)
        {
            Broadcast(bytes, port);
        }
        else
        {
            SendTo(bytes, unicastTo, port);
        }

        var replies = Collect(timeout, p => p.TransactionId == request.Xid);
        return replies.LastOrDefault(r => r.Packet.TransactionId == request.Xid).Packet;
    }

    /// <summary>DISCOVER, then REQUEST what was offered; returns the ACKed address (0 if none).</summary>
    public uint Dora(string mac, uint xid, string serverId, TimeSpan timeout)
    {
        var offer = Exchange(new RequestBuilder(DhcpMessageType.Discover, mac) { Xid = xid, BroadcastFlag = true }, timeout);
        if (offer is null || offer.MessageType != DhcpMessageType.Offer)
        {
            return 0;
        }

        var ack = Exchange(new RequestBuilder(DhcpMessageType.Request, mac) { Xid = xid + 1, BroadcastFlag = true }
            .Option(DhcpOptionCode.RequestedAddress, Be(offer.YourAddress)).Address(DhcpOptionCode.ServerIdentifier, serverId), timeout);
        return ack?.MessageType == DhcpMessageType.Ack ? ack.YourAddress : 0;
    }

    public static byte[] Be(uint ip) => [(byte)(ip >> 24), (byte)(ip >> 16), (byte)(ip >> 8), (byte)ip];

    public void Dispose() => Socket.Dispose();
}
