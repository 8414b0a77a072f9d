using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using PacketDotNet;
using PxeServer.Protocols.Dhcp;
using PxeServer.Transport.Pcap;
using SharpPcap;
using SharpPcap.LibPcap;
using Xunit;

namespace PxeServer.Dhcp.Tests;

/// <summary>Real firmware captures (Captures/README.md) replayed through the parser, the responder and the sniffer's decoder.</summary>
public sealed class CaptureReplayTests
{
    private static readonly uint s_ours = Ip.U("10.10.0.1");

    private sealed record Datagram(IPEndPoint Source, IPEndPoint Destination, byte[] Payload, RawCapture Raw);

    private static List<Datagram> Read(string name)
    {
        string path = Path.Combine(AppContext.BaseDirectory, "Captures", name);
        var list = new List<Datagram>();
        using var reader = new CaptureFileReaderDevice(path);
        reader.Open();
        while (reader.GetNextPacket(out PacketCapture e) == GetPacketStatus.PacketRead)
        {
            var raw = e.GetPacket();
            var packet = Packet.ParsePacket(raw.LinkLayerType, raw.Data);
            var ip = packet.Extract<IPv4Packet>();
            var udp = packet.Extract<UdpPacket>();
            if (ip is null || udp is null)
            {
                continue;
            }

            var bytes = udp.Bytes;
            list.Add(new Datagram(new IPEndPoint(ip.SourceAddress, udp.SourcePort), new IPEndPoint(ip.DestinationAddress, udp.DestinationPort),
                bytes.AsSpan(8, Math.Min(udp.Length, bytes.Length) - 8).ToArray(), raw));
        }

        return list;
    }

    public static TheoryData<string> Files() =>
    [
        "seabios-ipxe-proxy.pcap", "seabios-ipxe-full.pcap", "seabios-ipxe-unknown-mac.pcap",
        "ovmf-native-proxy.pcap", "ovmf-ipxe-proxy.pcap", "ovmf-ipxe-full.pcap",
    ];

    [Theory]
    [MemberData(nameof(Files))]
    public void EveryDatagram_Parses_AndTheSnifferPrintsIt(string file)
    {
        var datagrams = Read(file);
        Assert.NotEmpty(datagrams);
        var decoder = new BootTrafficDecoder();
        var packet = new DhcpPacket();
        foreach (var d in datagrams)
        {
            Assert.True(packet.TryParse(d.Payload, out var error), $"{file}: {d.Source} -> {d.Destination}: {error}");
            string? line = decoder.Decode(d.Raw.Timeval.Date, d.Raw.Data, d.Raw.LinkLayerType);
            Assert.NotNull(line);
            Assert.DoesNotContain("malformed", line, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("seabios-ipxe-proxy.pcap", DhcpMode.Proxy)]
    [InlineData("ovmf-native-proxy.pcap", DhcpMode.Proxy)]
    [InlineData("ovmf-ipxe-proxy.pcap", DhcpMode.Proxy)]
    [InlineData("seabios-ipxe-full.pcap", DhcpMode.Full)]
    [InlineData("ovmf-ipxe-full.pcap", DhcpMode.Full)]
    public void FirmwareRequests_GetTheRepliesOurServerSentOnTheWire(string file, DhcpMode mode)
    {
        var pool = mode == DhcpMode.Full
            ? DhcpPool.From(new DhcpPoolOptions { Start = "10.10.0.100", End = "10.10.0.199", SubnetMask = "255.255.255.0" })
            : null;
        var responder = new DhcpResponder(mode, pool, new FakePlanner(), new FakeTimeProvider(DateTimeOffset.UtcNow), NullLogger.Instance);
        var datagrams = Read(file);
        var reply = new byte[1500];
        int compared = 0;
        for (int i = 0; i < datagrams.Count; i++)
        {
            var d = datagrams[i];
            var rq = new DhcpPacket();
            if (!rq.TryParse(d.Payload) || rq.Op != 1)
            {
                continue;
            }

            // What our server really sent for this request (same xid, from 10.10.0.1), if anything.
            var recorded = datagrams.Skip(i + 1).Select(x => (x, p: Parse(x.Payload)))
                .FirstOrDefault(t => t.p is { Op: 2 } && t.p.TransactionId == rq.TransactionId && Equals(t.x.Source.Address, IPAddress.Parse("10.10.0.1"))
                    && t.x.Source.Port == d.Destination.Port).p;
            bool bootServer = d.Destination.Port == 4011;
            var ctx = new DhcpReceiveContext(s_ours, d.Destination.Port, Ip.U(d.Source.Address.ToString()), d.Source.Port, bootServer);
            var response = responder.Respond(rq, ctx, reply);
            if (recorded is null)
            {
                if (mode == DhcpMode.Proxy)
                {
                    Assert.Equal(0, response.Length); // we stayed silent on the wire, and still would
                }

                continue;
            }

            Assert.True(response.Length > 0, $"{file}: no reply to a {rq.MessageType} that was answered on the wire ({response.Drop})");
            var ours = new DhcpPacket();
            Assert.True(ours.TryParse(reply.AsSpan(0, response.Length)));
            Assert.Equal(recorded.MessageType, ours.MessageType);
            Assert.Equal(recorded.YourAddress == 0, ours.YourAddress == 0);
            Assert.Equal(recorded.ServerAddress, ours.ServerAddress);
            Assert.Equal(recorded.ServerIdentifier, ours.ServerIdentifier);
            Assert.Equal(recorded.IsPxeClient, ours.IsPxeClient);
            Assert.Equal(recorded.HasOption(DhcpOptionCode.VendorSpecific), ours.HasOption(DhcpOptionCode.VendorSpecific));
            Assert.False(ours.BootFile.IsEmpty);
            if (bootServer)
            {
                Assert.Equal(d.Source.Port, response.DestinationPort);
            }

            compared++;
        }

        Assert.True(compared >= 1, $"{file}: only {compared} exchanges compared");
    }

    [Fact]
    public void Firmware_SaysWhatTheNotesSay()
    {
        var ipxe = Parse(Read("seabios-ipxe-proxy.pcap")[0].Payload)!;
        Assert.Equal(ClientArchitecture.X86Bios, ipxe.Architecture);
        Assert.True(ipxe.IsIpxe);
        Assert.True(ipxe.HasOption(DhcpOptionCode.IpxeEncapsulated));
        Assert.True(ipxe.IsPxeClient);

        var ovmf = Parse(Read("ovmf-native-proxy.pcap")[0].Payload)!;
        Assert.Equal(ClientArchitecture.X64Uefi, ovmf.Architecture);
        Assert.False(ovmf.IsIpxe);
        Assert.StartsWith("PXEClient:Arch:00007:UNDI:003000", System.Text.Encoding.ASCII.GetString(ovmf.VendorClass), StringComparison.Ordinal);
        var toBootServer = Read("ovmf-native-proxy.pcap").First(d => d.Destination.Port == 4011);
        Assert.Equal(4011, toBootServer.Source.Port);
        Assert.False(Parse(toBootServer.Payload)!.TryGetPxeBootItem(out _, out _)); // EDK2 asks without a boot item
    }

    private static DhcpPacket? Parse(byte[] payload)
    {
        var p = new DhcpPacket();
        return p.TryParse(payload) ? p : null;
    }
}
