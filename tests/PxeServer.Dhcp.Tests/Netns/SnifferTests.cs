using System.Buffers.Binary;
using System.Net;
using System.Runtime.Versioning;
using System.Text;
using PacketDotNet;
using PxeServer.Protocols.Dhcp;
using PxeServer.Testing;
using PxeServer.Transport.Pcap;
using Xunit;

namespace PxeServer.Dhcp.Tests.Netns;

/// <summary><c>pxe sniff</c>'s decoder on synthesized frames, and a live capture on a veth.</summary>
[SupportedOSPlatform("linux")]
public sealed class SnifferTests
{
    private static readonly DateTime s_time = new(2026, 1, 1, 12, 0, 0, DateTimeKind.Utc);

    private static byte[] Frame(string src, int sport, string dst, int dport, byte[] payload)
    {
        var udp = new UdpPacket((ushort)sport, (ushort)dport) { PayloadData = payload };
        var ip = new IPv4Packet(IPAddress.Parse(src), IPAddress.Parse(dst)) { PayloadPacket = udp };
        var eth = new EthernetPacket(System.Net.NetworkInformation.PhysicalAddress.Parse("02-00-00-00-00-01"),
            System.Net.NetworkInformation.PhysicalAddress.Parse("FF-FF-FF-FF-FF-FF"), EthernetType.IPv4) { PayloadPacket = ip };
        ip.UpdateCalculatedValues();
        udp.UpdateCalculatedValues();
        return eth.Bytes;
    }

    [Fact]
    public void Decode_DhcpDiscoverAndProxyOffer()
    {
        var decoder = new BootTrafficDecoder();
        var discover = new RequestBuilder(DhcpMessageType.Discover, "de:00:00:00:00:de").Pxe(ClientArchitecture.X64Uefi).Ipxe().Build();
        string? line = decoder.Decode(s_time, Frame("0.0.0.0", 68, "255.255.255.255", 67, discover));
        Assert.NotNull(line);
        Assert.Contains("DHCP DISCOVER", line, StringComparison.Ordinal);
        Assert.Contains("de:00:00:00:00:de", line, StringComparison.Ordinal);
        Assert.Contains("arch=7(X64Uefi)", line, StringComparison.Ordinal);
        Assert.Contains("class=PXEClient:Arch:00007", line, StringComparison.Ordinal);
        Assert.Contains("user=iPXE", line, StringComparison.Ordinal);

        var buffer = new byte[600];
        var w = new DhcpWriter(buffer, buffer.Length);
        w.TryWriteHeader(2, 1, 0, 0, 0, 0, 0x0A000001, 0, 1, 6, [0xDE, 0, 0, 0, 0, 0xDE], default, "loaders/ipxe.efi"u8);
        w.TryWriteOption(DhcpOptionCode.MessageType, (byte)DhcpMessageType.Offer);
        w.TryWriteUInt32(DhcpOptionCode.ServerIdentifier, 0x0A000001);
        w.TryWriteOption(DhcpOptionCode.VendorClassIdentifier, "PXEClient"u8);
        int n = w.WriteEnd();
        line = decoder.Decode(s_time, Frame("10.0.0.1", 67, "255.255.255.255", 68, buffer[..n]));
        Assert.NotNull(line);
        Assert.Contains("PROXY OFFER", line, StringComparison.Ordinal);
        Assert.Contains("next=10.0.0.1", line, StringComparison.Ordinal);
        Assert.Contains("file=loaders/ipxe.efi", line, StringComparison.Ordinal);
        Assert.Contains("server=10.0.0.1", line, StringComparison.Ordinal);
    }

    [Fact]
    public void Decode_BootServerRequest_ShowsPort4011AndBootItem()
    {
        var req = new RequestBuilder(DhcpMessageType.Request, "de:00:00:00:00:de") { Ciaddr = 0x0A000005 }
            .Pxe(ClientArchitecture.X86Bios).Option(DhcpOptionCode.VendorSpecific, 71, 4, 0x80, 0, 0, 0, 255).Build();
        string? line = new BootTrafficDecoder().Decode(s_time, Frame("10.0.0.5", 68, "10.0.0.1", 4011, req));
        Assert.NotNull(line);
        Assert.Contains("PXE-BS REQUEST", line, StringComparison.Ordinal);
        Assert.Contains("item=0x8000/0", line, StringComparison.Ordinal);
        Assert.Contains("ciaddr=10.0.0.5", line, StringComparison.Ordinal);
    }

    [Fact]
    public void Decode_TftpTransfer_RequestOackProgressAndEnd()
    {
        var decoder = new BootTrafficDecoder();
        byte[] rrq = [0, 1, .. "loaders/undionly.kpxe\0octet\0blksize\01432\0tsize\00\0"u8];
        Assert.Contains("TFTP RRQ  loaders/undionly.kpxe mode=octet blksize=1432 tsize=0", decoder.Decode(s_time, Frame("10.0.0.5", 2070, "10.0.0.1", 69, rrq)), StringComparison.Ordinal);
        byte[] oack = [0, 6, .. "blksize\01432\0tsize\05000\0"u8];
        Assert.Contains("TFTP OACK  loaders/undionly.kpxe blksize=1432 tsize=5000", decoder.Decode(s_time, Frame("10.0.0.1", 40000, "10.0.0.5", 2070, oack)), StringComparison.Ordinal);
        var lines = new List<string?>();
        int sent = 0;
        for (ushort block = 1; sent < 5000; block++)
        {
            int len = Math.Min(1432, 5000 - sent);
            var data = new byte[4 + len];
            data[1] = 3;
            BinaryPrimitives.WriteUInt16BigEndian(data.AsSpan(2), block);
            lines.Add(decoder.Decode(s_time, Frame("10.0.0.1", 40000, "10.0.0.5", 2070, data)));
            lines.Add(decoder.Decode(s_time, Frame("10.0.0.5", 2070, "10.0.0.1", 40000, [0, 4, (byte)(block >> 8), (byte)block])));
            sent += len;
        }

        var printed = lines.Where(l => l is not null).ToList();
        Assert.Contains(printed, l => l!.Contains("TFTP DATA  loaders/undionly.kpxe 1432 bytes (28%)", StringComparison.Ordinal));
        Assert.Contains(printed, l => l!.Contains("TFTP DONE  loaders/undionly.kpxe 5000 bytes in 4 blocks of 1432", StringComparison.Ordinal));
        Assert.True(printed.Count < 8, string.Join('\n', printed)); // progress, not one line per block
    }

    [Fact]
    public void Decode_TftpError_AndUnrelatedUdp()
    {
        var decoder = new BootTrafficDecoder();
        Assert.Null(decoder.Decode(s_time, Frame("10.0.0.9", 5353, "224.0.0.251", 5353, new byte[40])));
        decoder.Decode(s_time, Frame("10.0.0.5", 2071, "10.0.0.1", 69, [0, 1, .. "pxelinux.cfg/default\0octet\0"u8]));
        string? line = decoder.Decode(s_time, Frame("10.0.0.1", 40001, "10.0.0.5", 2071, [0, 5, 0, 1, .. "File not found\0"u8]));
        Assert.Contains("TFTP ERROR pxelinux.cfg/default code=1 File not found", line, StringComparison.Ordinal);
    }

    [Fact]
    [Trait("Category", "Netns")]
    public async Task LiveCapture_OnVeth_PrintsTheDhcpExchangeAndWritesPcap()
    {
        string udhcpc = Prerequisites.RequireTool("udhcpc", "udhcpc");
        Prerequisites.Require(File.Exists("/usr/lib/x86_64-linux-gnu/libpcap.so.0.8") || Prerequisites.FindTool("tcpdump") is not null, "libpcap (Debian libpcap0.8)");
        using var lab = new NetLab();
        string s = lab.Namespace("s"), c = lab.Namespace("c");
        lab.Veth(s, "s0", c, "c0");
        NetLab.Address(s, "s0", "10.77.0.1/24");
        lab.StartHarness(s, $"--interface s0 --mode full --pool 10.77.0.100 10.77.0.150 255.255.255.0 --lease-store {lab.Temp}/leases.db");

        var output = new StringWriter(new StringBuilder());
        var synced = TextWriter.Synchronized(output);
        string pcap = Path.Combine(lab.Temp, "boot.pcap");
        using var ready = new ManualResetEventSlim();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var capture = Task.Run(() => NetLab.InNamespace(c, () => BootSniffer.Run("c0", pcap, 4, synced, ready.Set, cts.Token)), TestContext.Current.CancellationToken);
        Assert.True(ready.Wait(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken), "capture did not open");

        var (code, text) = NetLab.Exec(c, udhcpc, "-i c0 -f -q -n -t 4 -T 1");
        Assert.True(code == 0, text);
        int lines = await capture.WaitAsync(TimeSpan.FromSeconds(25), TestContext.Current.CancellationToken);
        string printed = output.ToString();
        Assert.Equal(4, lines);
        Assert.Contains("DHCP DISCOVER", printed, StringComparison.Ordinal);
        Assert.Matches(@"DHCP OFFER .* yiaddr=10\.77\.0\.1\d\d next=10\.77\.0\.1 file=loaders/undionly\.kpxe", printed);
        Assert.Contains("DHCP REQUEST", printed, StringComparison.Ordinal);
        Assert.Matches(@"DHCP ACK .* yiaddr=10\.77\.0\.1\d\d", printed);
        Assert.True(new FileInfo(pcap).Length > 24 + (4 * 300), "pcap too small");
    }
}
