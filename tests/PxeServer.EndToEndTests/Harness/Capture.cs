using System.Buffers.Binary;
using System.Net;
using System.Text;

namespace PxeServer.EndToEndTests.Harness;

/// <summary>One DHCP or TFTP packet seen on the client's wire.</summary>
internal sealed record WirePacket(
    DateTimeOffset Time, IPAddress Source, int SourcePort, IPAddress Destination, int DestinationPort, string ClientMac,
    WireKind Kind, int DhcpMessageType, IPAddress? YourAddress, IPAddress? NextServer, string? BootFile, string? VendorClass,
    string? TftpFile)
{
    public bool IsDhcpReply => Kind == WireKind.DhcpReply;

    public override string ToString() => Kind switch
    {
        WireKind.DhcpRequest or WireKind.DhcpReply =>
            $"{Time:HH:mm:ss.fff} {Source}:{SourcePort} -> {Destination}:{DestinationPort} DHCP {DhcpName(DhcpMessageType)} " +
            $"chaddr {ClientMac}" + (YourAddress is { } y && !y.Equals(IPAddress.Any) ? $" yiaddr {y}" : string.Empty) +
            (BootFile is { Length: > 0 } ? $" file '{BootFile}'" : string.Empty) +
            (NextServer is { } n && !n.Equals(IPAddress.Any) ? $" siaddr {n}" : string.Empty) +
            (VendorClass is { Length: > 0 } ? $" class '{VendorClass}'" : string.Empty),
        WireKind.TftpRead => $"{Time:HH:mm:ss.fff} {Source}:{SourcePort} -> {Destination}:{DestinationPort} TFTP RRQ '{TftpFile}'",
        _ => $"{Time:HH:mm:ss.fff} {Source}:{SourcePort} -> {Destination}:{DestinationPort} UDP",
    };

    public static string DhcpName(int type) => type switch
    {
        1 => "DISCOVER",
        2 => "OFFER",
        3 => "REQUEST",
        4 => "DECLINE",
        5 => "ACK",
        6 => "NAK",
        7 => "RELEASE",
        8 => "INFORM",
        0 => "BOOTP",
        _ => "type " + type,
    };
}

internal enum WireKind
{
    Other,
    DhcpRequest,
    DhcpReply,
    TftpRead,
}

/// <summary>
/// Reads the pcap files tcpdump writes (libpcap format, Ethernet, optional 802.1Q tag) and keeps the DHCP and
/// TFTP read requests. A truncated last record (capture stopped mid-write) ends the file quietly.
/// </summary>
internal static class Capture
{
    public static List<WirePacket> Read(string path)
    {
        var list = new List<WirePacket>();
        if (!File.Exists(path))
        {
            return list;
        }

        byte[] data = File.ReadAllBytes(path);
        if (data.Length < 24)
        {
            return list;
        }

        uint magic = BinaryPrimitives.ReadUInt32LittleEndian(data);
        bool little = magic is 0xa1b2c3d4 or 0xa1b23c4d;
        bool nanos = magic is 0xa1b23c4d or 0x4d3cb2a1;
        uint U32(int o) => little ? BinaryPrimitives.ReadUInt32LittleEndian(data.AsSpan(o)) : BinaryPrimitives.ReadUInt32BigEndian(data.AsSpan(o));
        if (U32(20) != 1)
        {
            throw new InvalidDataException($"{path}: link type {U32(20)} is not Ethernet");
        }

        int off = 24;
        while (off + 16 <= data.Length)
        {
            long sec = U32(off);
            long frac = U32(off + 4);
            int incl = (int)U32(off + 8);
            off += 16;
            if (incl < 0 || off + incl > data.Length)
            {
                break;
            }

            var time = DateTimeOffset.FromUnixTimeSeconds(sec).AddTicks(nanos ? frac / 100 : frac * 10);
            if (TryParse(data.AsSpan(off, incl), time, out var packet))
            {
                list.Add(packet);
            }

            off += incl;
        }

        return list;
    }

    private static bool TryParse(ReadOnlySpan<byte> frame, DateTimeOffset time, out WirePacket packet)
    {
        packet = null!;
        if (frame.Length < 14)
        {
            return false;
        }

        int l3 = 14;
        ushort type = BinaryPrimitives.ReadUInt16BigEndian(frame[12..]);
        if (type == 0x8100 && frame.Length >= 18)
        {
            type = BinaryPrimitives.ReadUInt16BigEndian(frame[16..]);
            l3 = 18;
        }

        if (type != 0x0800 || frame.Length < l3 + 20)
        {
            return false;
        }

        var ip = frame[l3..];
        int ihl = (ip[0] & 0x0f) * 4;
        if (ip[9] != 17 || ip.Length < ihl + 8)
        {
            return false;
        }

        var src = new IPAddress(ip.Slice(12, 4));
        var dst = new IPAddress(ip.Slice(16, 4));
        var udp = ip[ihl..];
        int sport = BinaryPrimitives.ReadUInt16BigEndian(udp);
        int dport = BinaryPrimitives.ReadUInt16BigEndian(udp[2..]);
        var payload = udp[8..];

        if ((dport is 67 or 68 or 4011 || sport is 67 or 4011) && payload.Length >= 240 &&
            BinaryPrimitives.ReadUInt32BigEndian(payload[236..]) == 0x63825363)
        {
            int op = payload[0];
            string mac = Convert.ToHexString(payload.Slice(28, 6)).ToLowerInvariant();
            mac = string.Join(':', Enumerable.Range(0, 6).Select(i => mac.Substring(i * 2, 2)));
            int msgType = 0;
            string? bootFile = CString(payload.Slice(108, 128));
            string? vendor = null;
            var opts = payload[240..];
            while (opts.Length > 0 && opts[0] != 255)
            {
                if (opts[0] == 0)
                {
                    opts = opts[1..];
                    continue;
                }

                if (opts.Length < 2 || opts.Length < 2 + opts[1])
                {
                    break;
                }

                var val = opts.Slice(2, opts[1]);
                switch (opts[0])
                {
                    case 53 when val.Length == 1:
                        msgType = val[0];
                        break;
                    case 67:
                        bootFile = CString(val);
                        break;
                    case 60:
                        vendor = Encoding.ASCII.GetString(val);
                        break;
                }

                opts = opts[(2 + opts[1])..];
            }

            packet = new WirePacket(time, src, sport, dst, dport, mac, op == 2 ? WireKind.DhcpReply : WireKind.DhcpRequest,
                msgType, new IPAddress(payload.Slice(16, 4)), new IPAddress(payload.Slice(20, 4)), bootFile, vendor, null);
            return true;
        }

        if (dport == 69 && payload.Length > 4 && BinaryPrimitives.ReadUInt16BigEndian(payload) == 1)
        {
            packet = new WirePacket(time, src, sport, dst, dport, string.Empty, WireKind.TftpRead, 0, null, null, null, null,
                CString(payload[2..]));
            return true;
        }

        return false;
    }

    private static string? CString(ReadOnlySpan<byte> s)
    {
        int z = s.IndexOf((byte)0);
        var v = z < 0 ? s : s[..z];
        return v.IsEmpty ? null : Encoding.ASCII.GetString(v);
    }
}
