using System.Buffers.Binary;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using PxeServer.Catalog.Planning;
using PxeServer.Protocols.Dhcp;
using Xunit;

namespace PxeServer.Dhcp.Tests;

/// <summary>The decision table in proxy mode (PXE spec 2.1, docs/shared firmware notes).</summary>
public sealed class ProxyResponderTests
{
    private const string Mac = "de:00:00:00:00:de";
    private static readonly uint s_server = Ip.U("10.0.0.1");
    private readonly FakePlanner _planner = new();
    private readonly DhcpResponder _responder;
    private readonly byte[] _reply = new byte[1500];

    public ProxyResponderTests() =>
        _responder = new DhcpResponder(DhcpMode.Proxy, null, _planner, new FakeTimeProvider(), NullLogger.Instance);

    private (DhcpResponse Response, DhcpPacket Reply) Offer(RequestBuilder rb) => Run(rb, port: 67, srcAddress: 0, srcPort: 68);

    private (DhcpResponse Response, DhcpPacket Reply) Run(RequestBuilder rb, int port, uint srcAddress, int srcPort)
    {
        var ctx = new DhcpReceiveContext(s_server, port, srcAddress, srcPort, IsBootServerPort: port == 4011);
        var response = _responder.Respond(rb.Parse(), ctx, _reply);
        var reply = new DhcpPacket();
        if (response.Length > 0)
        {
            Assert.True(reply.TryParse(_reply.AsSpan(0, response.Length)), "reply does not parse");
        }

        return (response, reply);
    }

    [Fact]
    public void Discover_BiosPxe_OffersNoAddressWithMenuAndBootFile()
    {
        var (response, reply) = Offer(new RequestBuilder(DhcpMessageType.Discover, Mac).Pxe(ClientArchitecture.X86Bios));
        Assert.Equal(DhcpMessageType.Offer, reply.MessageType);
        Assert.Equal(2, reply.Op);
        Assert.Equal(0u, reply.YourAddress);
        Assert.Equal(s_server, reply.ServerAddress);
        Assert.Equal(s_server, reply.ServerIdentifier);
        Assert.Equal("PXEClient"u8.ToArray(), reply.VendorClass.ToArray());
        Assert.Equal("loaders/undionly.kpxe"u8.ToArray(), reply.BootFile.ToArray());
        Assert.Equal("loaders/undionly.kpxe"u8.ToArray(), reply.GetOption(DhcpOptionCode.BootFileName).ToArray());
        Assert.False(reply.HasOption(DhcpOptionCode.LeaseTime));
        Assert.Equal(17, reply.GetOption(DhcpOptionCode.ClientMachineId).Length);
        var pxe = reply.GetOption(DhcpOptionCode.VendorSpecific);
        Assert.True(DhcpOptionReader.TryFind(pxe, (byte)PxeSubOption.DiscoveryControl, out var dc));
        Assert.Equal(3, dc[0]);
        Assert.True(DhcpOptionReader.TryFind(pxe, (byte)PxeSubOption.BootServers, out var bs));
        Assert.Equal(s_server, BinaryPrimitives.ReadUInt32BigEndian(bs[3..]));
        Assert.True(DhcpOptionReader.TryFind(pxe, (byte)PxeSubOption.BootMenu, out _));
        Assert.True(DhcpOptionReader.TryFind(pxe, (byte)PxeSubOption.MenuPrompt, out _));
        Assert.True(response.Broadcast);
        Assert.Equal(68, response.DestinationPort);
        Assert.False(response.HasLeaseChange);

        var asked = Assert.Single(_planner.Requests);
        Assert.Equal(ClientArchitecture.X86Bios, asked.Architecture);
        Assert.False(asked.IsIpxe);
        Assert.StartsWith("PXEClient:Arch:00000", asked.VendorClass, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(ClientArchitecture.X64Uefi)]
    [InlineData(ClientArchitecture.X64UefiAlt)]
    public void Discover_UefiX64_OffersEfiLoaderWithoutOption43(ClientArchitecture arch)
    {
        var (_, reply) = Offer(new RequestBuilder(DhcpMessageType.Discover, Mac).Pxe(arch));
        Assert.Equal(DhcpMessageType.Offer, reply.MessageType);
        Assert.Equal(0u, reply.YourAddress);
        Assert.Equal("loaders/ipxe.efi"u8.ToArray(), reply.BootFile.ToArray());
        Assert.False(reply.HasOption(DhcpOptionCode.VendorSpecific));
        Assert.Equal(arch, _planner.Requests[0].Architecture);
    }

    [Fact]
    public void Discover_Arm64_GetsArm64Loader()
    {
        var (_, reply) = Offer(new RequestBuilder(DhcpMessageType.Discover, Mac).Pxe(ClientArchitecture.Arm64Uefi));
        Assert.Equal("loaders/arm64/ipxe.efi"u8.ToArray(), reply.BootFile.ToArray());
    }

    [Fact]
    public void Discover_HttpBootX64_EchoesHttpClientAndGivesUrl()
    {
        var rb = new RequestBuilder(DhcpMessageType.Discover, Mac)
            .Text(DhcpOptionCode.VendorClassIdentifier, "HTTPClient:Arch:00016:UNDI:003001").Arch(ClientArchitecture.X64UefiHttp);
        var (_, reply) = Offer(rb);
        Assert.Equal(DhcpMessageType.Offer, reply.MessageType);
        Assert.Equal("HTTPClient"u8.ToArray(), reply.VendorClass.ToArray());
        Assert.Equal("http://10.0.0.1/loaders/ipxe.efi"u8.ToArray(), reply.GetOption(DhcpOptionCode.BootFileName).ToArray());
        Assert.False(reply.HasOption(DhcpOptionCode.VendorSpecific));
    }

    [Fact]
    public void Discover_HttpBootArm64_KeepsAbsoluteUrl()
    {
        var rb = new RequestBuilder(DhcpMessageType.Discover, Mac)
            .Text(DhcpOptionCode.VendorClassIdentifier, "HTTPClient:Arch:00019:UNDI:003001").Arch(ClientArchitecture.Arm64UefiHttp);
        var (_, reply) = Offer(rb);
        Assert.Equal("HTTPClient"u8.ToArray(), reply.VendorClass.ToArray());
        Assert.Equal("http://images.example/arm64/ipxe.efi"u8.ToArray(), reply.GetOption(DhcpOptionCode.BootFileName).ToArray());
    }

    [Fact]
    public void Discover_Ipxe_PlannerSeesIpxeAndScriptIsOffered()
    {
        var (_, reply) = Offer(new RequestBuilder(DhcpMessageType.Discover, Mac).Pxe(ClientArchitecture.X86Bios).Ipxe());
        Assert.True(_planner.Requests[0].IsIpxe);
        Assert.Equal("iPXE", _planner.Requests[0].UserClass);
        Assert.Equal("ipxe/01-de-00-00-00-00-de.ipxe"u8.ToArray(), reply.BootFile.ToArray());
    }

    [Fact]
    public void Discover_Option175Only_CountsAsIpxe()
    {
        Offer(new RequestBuilder(DhcpMessageType.Discover, Mac).Pxe(ClientArchitecture.X86Bios).Option(DhcpOptionCode.IpxeEncapsulated, 0xB1, 1, 1));
        Assert.True(_planner.Requests[0].IsIpxe);
    }

    [Fact]
    public void Discover_UnknownMac_IsSilent()
    {
        var (response, _) = Offer(new RequestBuilder(DhcpMessageType.Discover, "00:00:00:00:00:99").Pxe(ClientArchitecture.X86Bios));
        Assert.Equal(0, response.Length);
        Assert.Equal(DhcpDropReason.Ignored, response.Drop);
    }

    [Fact]
    public void Discover_Refused_IsSilent()
    {
        var (response, _) = Offer(new RequestBuilder(DhcpMessageType.Discover, Mac).Pxe(ClientArchitecture.Itanium));
        Assert.Equal(0, response.Length);
        Assert.Equal(DhcpDropReason.Refused, response.Drop);
    }

    [Fact]
    public void Discover_NonPxeClient_IsSilentAndPlannerNotAsked()
    {
        var (response, _) = Offer(new RequestBuilder(DhcpMessageType.Discover, Mac).Text(DhcpOptionCode.VendorClassIdentifier, "udhcp 1.36"));
        Assert.Equal(0, response.Length);
        Assert.Equal(DhcpDropReason.NotPxeClient, response.Drop);
        Assert.Empty(_planner.Requests);
    }

    [Theory]
    [InlineData(DhcpMessageType.Request)]
    [InlineData(DhcpMessageType.Release)]
    [InlineData(DhcpMessageType.Decline)]
    [InlineData(DhcpMessageType.Inform)]
    public void Port67_NonDiscover_NeverAnsweredInProxyMode(DhcpMessageType type)
    {
        var rb = new RequestBuilder(type, Mac).Pxe(ClientArchitecture.X86Bios).Address(DhcpOptionCode.ServerIdentifier, "10.0.0.1")
            .Address(DhcpOptionCode.RequestedAddress, "10.0.0.50");
        var (response, _) = Offer(rb);
        Assert.Equal(0, response.Length); // never an ACK, never a NAK
    }

    [Fact]
    public void BootServer_BiosRequestWithBootItem_AckEchoesItemToSourcePort()
    {
        var rb = new RequestBuilder(DhcpMessageType.Request, Mac) { Ciaddr = Ip.U("10.0.0.50") }
            .Pxe(ClientArchitecture.X86Bios).Ipxe().Option(DhcpOptionCode.VendorSpecific, 71, 4, 0x80, 0x00, 0x00, 0x00, 255);
        var (response, reply) = Run(rb, port: 4011, srcAddress: Ip.U("10.0.0.50"), srcPort: 68);
        Assert.Equal(DhcpMessageType.Ack, reply.MessageType);
        Assert.Equal(0u, reply.YourAddress);
        Assert.Equal(Ip.U("10.0.0.50"), reply.ClientAddress);
        Assert.Equal(s_server, reply.ServerAddress);
        Assert.Equal("ipxe/01-de-00-00-00-00-de.ipxe"u8.ToArray(), reply.BootFile.ToArray());
        Assert.True(reply.TryGetPxeBootItem(out ushort type, out ushort layer));
        Assert.Equal(0x8000, type);
        Assert.Equal(0, layer);
        Assert.False(response.Broadcast);
        Assert.Equal(Ip.U("10.0.0.50"), response.Destination);
        Assert.Equal(68, response.DestinationPort);
    }

    [Fact]
    public void BootServer_UefiRequestWithoutBootItem_AckToPort4011()
    {
        // EDK2 asks on 4011 from 4011, with no option 43 at all.
        var rb = new RequestBuilder(DhcpMessageType.Request, Mac) { Ciaddr = Ip.U("10.0.0.51") }.Pxe(ClientArchitecture.X64Uefi);
        var (response, reply) = Run(rb, port: 4011, srcAddress: Ip.U("10.0.0.51"), srcPort: 4011);
        Assert.Equal(DhcpMessageType.Ack, reply.MessageType);
        Assert.Equal("loaders/ipxe.efi"u8.ToArray(), reply.BootFile.ToArray());
        Assert.False(reply.HasOption(DhcpOptionCode.VendorSpecific));
        Assert.Equal("PXEClient"u8.ToArray(), reply.VendorClass.ToArray());
        Assert.Equal(4011, response.DestinationPort);
        Assert.Equal(Ip.U("10.0.0.51"), response.Destination);
        Assert.Equal(Ip.U("10.0.0.51"), _planner.Requests[0].ClientAddress is { } a ? Ip.U(a.ToString()) : 0);
    }

    [Fact]
    public void BootServer_NonPxe_IsSilent()
    {
        var rb = new RequestBuilder(DhcpMessageType.Request, Mac) { Ciaddr = Ip.U("10.0.0.51") };
        var (response, _) = Run(rb, port: 4011, srcAddress: Ip.U("10.0.0.51"), srcPort: 68);
        Assert.Equal(0, response.Length);
    }

    [Fact]
    public void Reply_EchoesRelayAgentInformationAndGoesToRelay()
    {
        byte[] relay = [1, 4, 0xAA, 0xBB, 0xCC, 0xDD];
        var rb = new RequestBuilder(DhcpMessageType.Discover, Mac) { Giaddr = Ip.U("10.9.0.1") }.Pxe(ClientArchitecture.X64Uefi)
            .Option(DhcpOptionCode.RelayAgentInformation, relay);
        var (response, reply) = Offer(rb);
        Assert.Equal(relay, reply.GetOption(DhcpOptionCode.RelayAgentInformation).ToArray());
        Assert.Equal(Ip.U("10.9.0.1"), response.Destination);
        Assert.Equal(67, response.DestinationPort);
        Assert.False(response.Broadcast);
    }

    [Fact]
    public void Reply_WithoutOption57_FitsIn576ByteDatagram()
    {
        _planner.Rule = _ => FakePlanner.Boot(new string('a', 400));
        var (response, reply) = Offer(new RequestBuilder(DhcpMessageType.Discover, Mac).Pxe(ClientArchitecture.X64Uefi));
        Assert.InRange(response.Length, 1, 548);
        Assert.Equal(DhcpMessageType.Offer, reply.MessageType);
    }

    [Fact]
    public void Reply_WithOption57_MayUseMore()
    {
        _planner.Rule = _ => FakePlanner.Boot(new string('a', 400));
        var rb = new RequestBuilder(DhcpMessageType.Discover, Mac).Pxe(ClientArchitecture.X64Uefi).Option(DhcpOptionCode.MaxMessageSize, 0x05, 0xC0);
        var (response, reply) = Offer(rb);
        Assert.True(response.Length > 548);
        Assert.Equal(400, reply.GetOption(DhcpOptionCode.BootFileName).Length); // split in two instances and joined back
        Assert.True(reply.BootFile.IsEmpty); // too long for the 128-byte field
    }

    [Theory]
    [InlineData((byte)2)]
    public void Request_WithBootReplyOp_IsDropped(byte op)
    {
        var rb = new RequestBuilder(DhcpMessageType.Discover, Mac) { Op = op }.Pxe(ClientArchitecture.X86Bios);
        Assert.Equal(DhcpDropReason.NotBootRequest, Offer(rb).Response.Drop);
    }

    [Fact]
    public void PlannerThrows_IsSilent()
    {
        _planner.Rule = _ => throw new InvalidOperationException("boom");
        var (response, _) = Offer(new RequestBuilder(DhcpMessageType.Discover, Mac).Pxe(ClientArchitecture.X86Bios));
        Assert.Equal(0, response.Length);
        Assert.Equal(DhcpDropReason.Refused, response.Drop);
    }

    [Fact]
    public void Discover_ReportsDecision()
    {
        var (response, _) = Offer(new RequestBuilder(DhcpMessageType.Discover, Mac).Pxe(ClientArchitecture.X86Bios));
        Assert.Equal(BootOutcome.Boot, response.Decision!.Outcome);
    }
}
