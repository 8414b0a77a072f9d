using System.Buffers.Binary;
using System.Net;
using PxeServer.EndToEndTests.Harness;
using Xunit;

namespace PxeServer.EndToEndTests;

/// <summary>The harness's own parsing (no root, no VMs): the timeline is only as good as these.</summary>
public sealed class HarnessTests
{
    [Fact]
    public void Capture_ReadsDhcpOfferAndTftpRead_FromPcap()
    {
        string file = Path.Combine(Path.GetTempPath(), $"e2e-harness-{Guid.NewGuid():N}.pcap");
        try
        {
            using (var w = new BinaryWriter(File.Create(file)))
            {
                // pcap global header: magic, v2.4, thiszone, sigfigs, snaplen, linktype 1 (Ethernet)
                w.Write(0xa1b2c3d4u); w.Write((ushort)2); w.Write((ushort)4); w.Write(0); w.Write(0u); w.Write(65535u); w.Write(1u);
                WriteRecord(w, 1_796_318_652, 91_720, Frame(IPAddress.Parse("10.10.0.1"), 67, IPAddress.Parse("10.10.0.180"), 68, Offer()));
                WriteRecord(w, 1_796_318_665, 177_951, Frame(IPAddress.Parse("10.10.0.180"), 50510, IPAddress.Parse("10.10.0.1"), 69,
                    [0, 1, .. "lab.ipxe"u8, 0, .. "octet"u8, 0]));
                w.Write(new byte[7]); // a truncated record, as when tcpdump is stopped mid-write
            }

            var packets = Capture.Read(file);
            Assert.Equal(2, packets.Count);
            var offer = packets[0];
            Assert.True(offer.IsDhcpReply);
            Assert.Equal(2, offer.DhcpMessageType);
            Assert.Equal("de:00:00:00:00:de", offer.ClientMac);
            Assert.Equal(IPAddress.Parse("10.10.0.180"), offer.YourAddress);
            Assert.Equal("undionly.kpxe", offer.BootFile);
            Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1_796_318_652).AddTicks(917_200), offer.Time);
            Assert.Equal(WireKind.TftpRead, packets[1].Kind);
            Assert.Equal("lab.ipxe", packets[1].TftpFile);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Theory]
    [InlineData("PXE-LAB-MARKER mac=de:00:00:00:00:de ifname=eth0 cmdline=initrd=initrd.img console=ttyS0,115200 BOOTIF=01-de-00-00-00-00-de",
        "de:00:00:00:00:de", "initrd=initrd.img console=ttyS0,115200 BOOTIF=01-de-00-00-00-00-de")]
    [InlineData("PXE-LAB-MARKER mac=none ifname=eth0 cmdline=", "none", "")]
    public void ParseMarker_SplitsMacAndCommandLine(string line, string mac, string cmdline)
    {
        var (m, c) = BootRun.ParseMarker(line);
        Assert.Equal(mac, m);
        Assert.Equal(cmdline, c);
    }

    [Fact]
    public void ParseEnv_KeepsOnlyUpperCaseKeys()
    {
        var env = LabFixture.ParseEnv("LAB_ID=e1\nSRV_ADDR=10.10.0.1\nlab.sh: building\nnot a key=1\n");
        Assert.Equal("e1", env["LAB_ID"]);
        Assert.Equal("10.10.0.1", env["SRV_ADDR"]);
        Assert.Equal(2, env.Count);
    }

    private static byte[] Offer()
    {
        var p = new byte[300];
        p[0] = 2; p[1] = 1; p[2] = 6;
        IPAddress.Parse("10.10.0.180").GetAddressBytes().CopyTo(p, 16);
        IPAddress.Parse("10.10.0.1").GetAddressBytes().CopyTo(p, 20);
        byte[] mac = [0xde, 0, 0, 0, 0, 0xde];
        mac.CopyTo(p, 28);
        BinaryPrimitives.WriteUInt32BigEndian(p.AsSpan(236), 0x63825363);
        byte[] opts = [53, 1, 2, 67, 13, .. "undionly.kpxe"u8, 255];
        opts.CopyTo(p, 240);
        return p;
    }

    private static byte[] Frame(IPAddress src, int sport, IPAddress dst, int dport, byte[] payload)
    {
        var f = new byte[14 + 20 + 8 + payload.Length];
        BinaryPrimitives.WriteUInt16BigEndian(f.AsSpan(12), 0x0800);
        f[14] = 0x45;
        BinaryPrimitives.WriteUInt16BigEndian(f.AsSpan(16), (ushort)(20 + 8 + payload.Length));
        f[14 + 8] = 64;
        f[14 + 9] = 17;
        src.GetAddressBytes().CopyTo(f, 14 + 12);
        dst.GetAddressBytes().CopyTo(f, 14 + 16);
        BinaryPrimitives.WriteUInt16BigEndian(f.AsSpan(34), (ushort)sport);
        BinaryPrimitives.WriteUInt16BigEndian(f.AsSpan(36), (ushort)dport);
        BinaryPrimitives.WriteUInt16BigEndian(f.AsSpan(38), (ushort)(8 + payload.Length));
        payload.CopyTo(f, 42);
        return f;
    }

    private static void WriteRecord(BinaryWriter w, uint sec, uint usec, byte[] frame)
    {
        w.Write(sec); w.Write(usec); w.Write((uint)frame.Length); w.Write((uint)frame.Length);
        w.Write(frame);
    }
}
