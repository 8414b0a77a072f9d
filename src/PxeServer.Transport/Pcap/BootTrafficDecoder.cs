using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Text;
using PacketDotNet;
using PxeServer.Protocols;
using PxeServer.Protocols.Dhcp;

namespace PxeServer.Transport.Pcap;

/// <summary>
/// Turns captured frames into one line per DHCP / ProxyDHCP / PXE boot server / TFTP message: what a lab engineer
/// watches instead of a VNC boot screen. TFTP transfers are followed from their RRQ (the data flows on ephemeral
/// ports), and reported as the first block, progress steps and the end, not one line per block.
/// Not thread-safe; one decoder per capture.
/// </summary>
public sealed class BootTrafficDecoder
{
    private const int DhcpServerPort = 67, DhcpClientPort = 68, BootServerPort = 4011, TftpPort = 69;
    private const long ProgressStep = 4L << 20;

    private readonly Dictionary<string, TftpFlow> _flows = new(StringComparer.Ordinal);
    private readonly DhcpPacket _dhcp = new();

    /// <summary>Decodes one Ethernet frame; null when it is not boot traffic.</summary>
    public string? Decode(DateTime time, ReadOnlySpan<byte> frame) => Decode(time, frame, LinkLayers.Ethernet);

    /// <summary>Decodes one frame of <paramref name="link"/> type; null when it is not boot traffic.</summary>
    public string? Decode(DateTime time, ReadOnlySpan<byte> frame, LinkLayers link)
    {
        Packet packet;
        try
        {
            packet = Packet.ParsePacket(link, frame.ToArray());
        }
        catch (Exception e) when (e is ArgumentException or IndexOutOfRangeException or InvalidOperationException)
        {
            return null;
        }

        var ip = packet.Extract<IPv4Packet>();
        var udp = packet.Extract<UdpPacket>();
        if (ip is null || udp is null)
        {
            return null;
        }

        var src = new IPEndPoint(ip.SourceAddress, udp.SourcePort);
        var dst = new IPEndPoint(ip.DestinationAddress, udp.DestinationPort);
        // The UDP length, not PayloadData: PacketDotNet parses DHCP payloads into a child packet and leaves PayloadData empty.
        var all = udp.Bytes;
        int udpLength = Math.Min(udp.Length, all.Length);
        if (udpLength < 8)
        {
            return null;
        }

        var payload = all.AsSpan(8, udpLength - 8).ToArray();
        string stamp = time.ToLocalTime().ToString("HH:mm:ss.fff", CultureInfo.InvariantCulture);
        string? line = null;
        if (src.Port is DhcpServerPort or DhcpClientPort or BootServerPort || dst.Port is DhcpServerPort or DhcpClientPort or BootServerPort)
        {
            line = DecodeDhcp(payload, src, dst);
        }

        line ??= DecodeTftp(payload, src, dst);
        return line is null ? null : $"{stamp} {line}";
    }

    private string? DecodeDhcp(byte[] payload, IPEndPoint src, IPEndPoint dst)
    {
        var p = _dhcp;
        if (!p.TryParse(payload, out var error))
        {
            return $"DHCP malformed ({error}, {payload.Length} bytes) {src} -> {dst}";
        }

        bool bootServer = src.Port == BootServerPort || dst.Port == BootServerPort;
        string kind = bootServer ? "PXE-BS" : (p.Op == 2 && p.YourAddress == 0 && p.IsPxeClient && p.MessageType == DhcpMessageType.Offer ? "PROXY" : "DHCP");
        var sb = new StringBuilder();
        sb.Append(kind).Append(' ').Append(p.MessageType.ToString().ToUpperInvariant().PadRight(8)).Append(' ');
        sb.Append(p.HasEthernetAddress ? p.Mac.ToString() : "chaddr?").Append(' ');
        sb.Append(CultureInfo.InvariantCulture, $"xid=0x{p.TransactionId:x8}");
        if (p.Architecture is { } arch)
        {
            sb.Append(CultureInfo.InvariantCulture, $" arch={(ushort)arch}({arch})");
        }

        if (p.TryGetOption(DhcpOptionCode.VendorClassIdentifier, out var vc))
        {
            sb.Append(" class=").Append(DhcpPacket.Printable(vc));
        }

        if (DhcpPacket.UserClassText(p.GetOption(DhcpOptionCode.UserClass)) is { } uc)
        {
            sb.Append(" user=").Append(uc);
        }

        if (p.HasOption(DhcpOptionCode.IpxeEncapsulated))
        {
            sb.Append(" ipxe");
        }

        if (p.Op == 2)
        {
            if (p.YourAddress != 0)
            {
                sb.Append(" yiaddr=").Append(Ip(p.YourAddress));
            }

            if (p.ServerAddress != 0)
            {
                sb.Append(" next=").Append(Ip(p.ServerAddress));
            }

            var file = p.TryGetOption(DhcpOptionCode.BootFileName, out var f) ? f : p.BootFile;
            if (!file.IsEmpty)
            {
                sb.Append(" file=").Append(DhcpPacket.Printable(file.TrimEnd((byte)0)));
            }
        }
        else
        {
            if (p.RequestedAddress != 0)
            {
                sb.Append(" want=").Append(Ip(p.RequestedAddress));
            }

            if (p.ClientAddress != 0)
            {
                sb.Append(" ciaddr=").Append(Ip(p.ClientAddress));
            }
        }

        if (p.ServerIdentifier != 0)
        {
            sb.Append(" server=").Append(Ip(p.ServerIdentifier));
        }

        if (p.TryGetPxeBootItem(out ushort item, out ushort layer))
        {
            sb.Append(CultureInfo.InvariantCulture, $" item=0x{item:x4}/{layer}");
        }

        sb.Append(CultureInfo.InvariantCulture, $" {src} -> {dst}");
        return sb.ToString();
    }

    private string? DecodeTftp(byte[] payload, IPEndPoint src, IPEndPoint dst)
    {
        if (payload.Length < 4)
        {
            return null;
        }

        ushort opcode = BinaryPrimitives.ReadUInt16BigEndian(payload);
        if (dst.Port == TftpPort && opcode is 1 or 2)
        {
            var fields = Strings(payload.AsSpan(2));
            if (fields.Count < 2)
            {
                return $"TFTP malformed request {src} -> {dst}";
            }

            var flow = new TftpFlow(fields[0]);
            var sb = new StringBuilder();
            sb.Append(opcode == 1 ? "TFTP RRQ  " : "TFTP WRQ  ").Append(fields[0]).Append(" mode=").Append(fields[1]);
            for (int i = 2; i + 1 < fields.Count; i += 2)
            {
                sb.Append(' ').Append(fields[i]).Append('=').Append(fields[i + 1]);
            }

            _flows[src.ToString()] = flow;
            sb.Append(CultureInfo.InvariantCulture, $" {src} -> {dst}");
            return sb.ToString();
        }

        // Everything else belongs to a transfer we saw start: the client is one end of it.
        bool toClient = _flows.TryGetValue(dst.ToString(), out var tf);
        if (!toClient && !_flows.TryGetValue(src.ToString(), out tf))
        {
            return null;
        }

        switch (opcode)
        {
            case 6 when toClient: // OACK
                var opts = Strings(payload.AsSpan(2));
                var text = new StringBuilder("TFTP OACK  ").Append(tf!.File);
                for (int i = 0; i + 1 < opts.Count; i += 2)
                {
                    text.Append(' ').Append(opts[i]).Append('=').Append(opts[i + 1]);
                    if (opts[i].Equals("blksize", StringComparison.OrdinalIgnoreCase) && int.TryParse(opts[i + 1], CultureInfo.InvariantCulture, out int bs))
                    {
                        tf.BlockSize = bs;
                    }

                    if (opts[i].Equals("tsize", StringComparison.OrdinalIgnoreCase) && long.TryParse(opts[i + 1], CultureInfo.InvariantCulture, out long ts))
                    {
                        tf.Size = ts;
                    }
                }

                return text.ToString();
            case 3 when toClient: // DATA
                ushort block = BinaryPrimitives.ReadUInt16BigEndian(payload.AsSpan(2));
                int len = payload.Length - 4;
                if (block != (ushort)(tf!.LastBlock + 1))
                {
                    return null; // a retransmission
                }

                tf.LastBlock = block;
                tf.Bytes += len;
                if (len < tf.BlockSize)
                {
                    _flows.Remove(dst.ToString());
                    return $"TFTP DONE  {tf.File} {tf.Bytes} bytes in {tf.Blocks + 1} blocks of {tf.BlockSize}";
                }

                tf.Blocks++;
                if (tf.Blocks == 1 || tf.Bytes >= tf.NextReport)
                {
                    tf.NextReport = tf.Bytes + (tf.Size > 0 ? Math.Max(tf.Size / 10, tf.BlockSize) : ProgressStep);
                    string pct = tf.Size > 0 ? string.Create(CultureInfo.InvariantCulture, $" ({100 * tf.Bytes / tf.Size}%)") : string.Empty;
                    return $"TFTP DATA  {tf.File} {tf.Bytes} bytes{pct}";
                }

                return null;
            case 5: // ERROR (either side)
                ushort code = BinaryPrimitives.ReadUInt16BigEndian(payload.AsSpan(2));
                var msg = Strings(payload.AsSpan(4));
                if (toClient)
                {
                    _flows.Remove(dst.ToString());
                }
                else
                {
                    _flows.Remove(src.ToString());
                }

                return $"TFTP ERROR {tf!.File} code={code} {(msg.Count > 0 ? msg[0] : string.Empty)} {src} -> {dst}";
            default:
                return null;
        }
    }

    private static List<string> Strings(ReadOnlySpan<byte> data)
    {
        var list = new List<string>();
        while (!data.IsEmpty)
        {
            int nul = data.IndexOf((byte)0);
            if (nul < 0)
            {
                break;
            }

            list.Add(DhcpPacket.Printable(data[..nul]));
            data = data[(nul + 1)..];
        }

        return list;
    }

    private static string Ip(uint a) => string.Create(CultureInfo.InvariantCulture, $"{a >> 24}.{(a >> 16) & 0xFF}.{(a >> 8) & 0xFF}.{a & 0xFF}");

    private sealed class TftpFlow(string file)
    {
        public string File { get; } = file;

        public int BlockSize { get; set; } = 512;

        public long Size { get; set; }

        public long Bytes { get; set; }

        public long Blocks { get; set; }

        public ushort LastBlock { get; set; }

        public long NextReport { get; set; }
    }
}
