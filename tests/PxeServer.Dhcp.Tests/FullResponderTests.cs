using System.Buffers.Binary;
using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using PxeServer.Dhcp.Leases;
using PxeServer.Protocols.Dhcp;
using Xunit;

namespace PxeServer.Dhcp.Tests;

/// <summary>Full mode: RFC 2131 §4.3 server behaviour.</summary>
public sealed class FullResponderTests
{
    private const string Mac = "de:00:00:00:00:de";
    private const string Other = "de:00:00:00:00:01";
    private static readonly uint s_server = Ip.U("10.0.0.1");
    private readonly FakePlanner _planner = new();
    private readonly FakeTimeProvider _time = new(DateTimeOffset.Parse("2026-01-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
    private readonly DhcpResponder _responder;
    private readonly byte[] _reply = new byte[1500];

    public FullResponderTests() => _responder = Create(new DhcpPoolOptions
    {
        Start = "10.0.0.100",
        End = "10.0.0.102",
        SubnetMask = "255.255.255.0",
        Router = "10.0.0.254",
        Dns = ["10.0.0.53"],
        Domain = "lab",
        LeaseTime = 600,
    });

    private DhcpResponder Create(DhcpPoolOptions pool) =>
        new(DhcpMode.Full, DhcpPool.From(pool), _planner, _time, NullLogger.Instance);

    private (DhcpResponse Response, DhcpPacket Reply) Run(RequestBuilder rb, uint source = 0)
    {
        var ctx = new DhcpReceiveContext(s_server, 67, source, 68, IsBootServerPort: false);
        var response = _responder.Respond(rb.Parse(), ctx, _reply);
        var reply = new DhcpPacket();
        if (response.Length > 0)
        {
            Assert.True(reply.TryParse(_reply.AsSpan(0, response.Length)));
        }

        return (response, reply);
    }

    private uint Dora(string mac)
    {
        var (_, offer) = Run(new RequestBuilder(DhcpMessageType.Discover, mac));
        Assert.Equal(DhcpMessageType.Offer, offer.MessageType);
        var (ack, reply) = Run(new RequestBuilder(DhcpMessageType.Request, mac)
            .Option(DhcpOptionCode.RequestedAddress, Bytes(offer.YourAddress)).Address(DhcpOptionCode.ServerIdentifier, "10.0.0.1"));
        Assert.Equal(DhcpMessageType.Ack, reply.MessageType);
        Assert.True(ack.HasLeaseChange);
        return reply.YourAddress;
    }

    private static byte[] Bytes(uint ip)
    {
        var b = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(b, ip);
        return b;
    }

    [Fact]
    public void Discover_OffersPoolAddressWithConfiguredOptions()
    {
        var (response, offer) = Run(new RequestBuilder(DhcpMessageType.Discover, Mac) { BroadcastFlag = true });
        Assert.Equal(DhcpMessageType.Offer, offer.MessageType);
        Assert.Equal(Ip.U("10.0.0.100"), offer.YourAddress);
        Assert.Equal(s_server, offer.ServerIdentifier);
        Assert.Equal(600u, BinaryPrimitives.ReadUInt32BigEndian(offer.GetOption(DhcpOptionCode.LeaseTime)));
        Assert.Equal(300u, BinaryPrimitives.ReadUInt32BigEndian(offer.GetOption(DhcpOptionCode.RenewalTime)));
        Assert.Equal(525u, BinaryPrimitives.ReadUInt32BigEndian(offer.GetOption(DhcpOptionCode.RebindingTime)));
        Assert.Equal(Ip.U("255.255.255.0"), BinaryPrimitives.ReadUInt32BigEndian(offer.GetOption(DhcpOptionCode.SubnetMask)));
        Assert.Equal(Ip.U("10.0.0.254"), BinaryPrimitives.ReadUInt32BigEndian(offer.GetOption(DhcpOptionCode.Router)));
        Assert.Equal("lab"u8.ToArray(), offer.GetOption(DhcpOptionCode.DomainName).ToArray());
        Assert.Equal("loaders/undionly.kpxe"u8.ToArray(), offer.BootFile.ToArray());
        Assert.Equal("loaders/undionly.kpxe"u8.ToArray(), offer.GetOption(DhcpOptionCode.BootFileName).ToArray());
        Assert.Equal(s_server, offer.ServerAddress);
        Assert.True(offer.IsBroadcast);
        Assert.True(response.Broadcast);
        Assert.False(response.HasLeaseChange); // offers are not persisted
    }

    [Fact]
    public void Discover_PxeClient_GetsPxeClientEchoAndUseBootFileControl()
    {
        var (_, offer) = Run(new RequestBuilder(DhcpMessageType.Discover, Mac).Pxe(ClientArchitecture.X64Uefi));
        Assert.Equal("PXEClient"u8.ToArray(), offer.VendorClass.ToArray());
        Assert.True(DhcpOptionReader.TryFind(offer.GetOption(DhcpOptionCode.VendorSpecific), 6, out var dc));
        Assert.Equal(8, dc[0]);
        Assert.Equal("loaders/ipxe.efi"u8.ToArray(), offer.BootFile.ToArray());
        Assert.NotEqual(0u, offer.YourAddress);
    }

    [Fact]
    public void Discover_SyslinuxPlainDiscover_IsAnswered()
    {
        // syslinux.efi's own DISCOVER has no option 60 or 93.
        var (_, offer) = Run(new RequestBuilder(DhcpMessageType.Discover, Mac).Option(DhcpOptionCode.ParameterRequestList, 1, 3, 66, 67));
        Assert.Equal(DhcpMessageType.Offer, offer.MessageType);
        Assert.Equal("loaders/undionly.kpxe"u8.ToArray(), offer.GetOption(DhcpOptionCode.BootFileName).ToArray());
    }

    [Fact]
    public void ParameterRequestList_OnlyRequestedOptionalOptionsAreSent()
    {
        var (_, offer) = Run(new RequestBuilder(DhcpMessageType.Discover, Mac).Option(DhcpOptionCode.ParameterRequestList, 1, 3, 28));
        Assert.True(offer.HasOption(DhcpOptionCode.Router));
        Assert.True(offer.HasOption(DhcpOptionCode.BroadcastAddress));
        Assert.False(offer.HasOption(DhcpOptionCode.DomainNameServer));
        Assert.False(offer.HasOption(DhcpOptionCode.DomainName));
        Assert.True(offer.HasOption(DhcpOptionCode.SubnetMask));
        Assert.True(offer.HasOption(DhcpOptionCode.LeaseTime));
    }

    [Fact]
    public void Dora_AckBindsDurablyAndRepeatDiscoverGetsSameAddress()
    {
        uint a = Dora(Mac);
        var lease = _responder.LeaseOf(Protocols.MacAddress.Parse(Mac));
        Assert.Equal(LeaseState.Bound, lease!.Value.State);
        Assert.Equal(a, lease.Value.Address);
        var (_, offer) = Run(new RequestBuilder(DhcpMessageType.Discover, Mac));
        Assert.Equal(a, offer.YourAddress);
    }

    [Fact]
    public void Discover_TwoClients_GetDifferentAddresses()
    {
        uint a = Dora(Mac);
        uint b = Dora(Other);
        Assert.NotEqual(a, b);
    }

    [Fact]
    public void Discover_Reservation_IsOffered()
    {
        _planner.Rule = _ => FakePlanner.Boot("x", IPAddress.Parse("10.0.0.77"));
        var (_, offer) = Run(new RequestBuilder(DhcpMessageType.Discover, Mac));
        Assert.Equal(Ip.U("10.0.0.77"), offer.YourAddress);
        var (ack, reply) = Run(new RequestBuilder(DhcpMessageType.Request, Mac)
            .Address(DhcpOptionCode.RequestedAddress, "10.0.0.77").Address(DhcpOptionCode.ServerIdentifier, "10.0.0.1"));
        Assert.Equal(DhcpMessageType.Ack, reply.MessageType);
        Assert.Equal(Ip.U("10.0.0.77"), ack.LeaseChange.Address);
    }

    [Fact]
    public void Discover_RequestedFreeAddress_IsHonoured()
    {
        var (_, offer) = Run(new RequestBuilder(DhcpMessageType.Discover, Mac).Address(DhcpOptionCode.RequestedAddress, "10.0.0.102"));
        Assert.Equal(Ip.U("10.0.0.102"), offer.YourAddress);
    }

    [Fact]
    public void Discover_PoolExhausted_IsDropped()
    {
        Dora("de:00:00:00:00:01");
        Dora("de:00:00:00:00:02");
        Dora("de:00:00:00:00:03");
        var (response, _) = Run(new RequestBuilder(DhcpMessageType.Discover, "de:00:00:00:00:04"));
        Assert.Equal(DhcpDropReason.PoolExhausted, response.Drop);
    }

    [Fact]
    public void Discover_ExpiredOffers_AreReused()
    {
        Run(new RequestBuilder(DhcpMessageType.Discover, "de:00:00:00:00:01"));
        Run(new RequestBuilder(DhcpMessageType.Discover, "de:00:00:00:00:02"));
        Run(new RequestBuilder(DhcpMessageType.Discover, "de:00:00:00:00:03"));
        Assert.Equal(DhcpDropReason.PoolExhausted, Run(new RequestBuilder(DhcpMessageType.Discover, "de:00:00:00:00:04")).Response.Drop);
        _time.Advance(DhcpResponder.OfferHold + TimeSpan.FromSeconds(1));
        Assert.Equal(DhcpMessageType.Offer, Run(new RequestBuilder(DhcpMessageType.Discover, "de:00:00:00:00:04")).Reply.MessageType);
    }

    [Fact]
    public void Request_ForOtherServer_IsSilentAndFreesOffer()
    {
        var (_, offer) = Run(new RequestBuilder(DhcpMessageType.Discover, Mac));
        var (response, _) = Run(new RequestBuilder(DhcpMessageType.Request, Mac)
            .Option(DhcpOptionCode.RequestedAddress, Bytes(offer.YourAddress)).Address(DhcpOptionCode.ServerIdentifier, "10.0.0.2"));
        Assert.Equal(0, response.Length); // never NAK a client that chose another server
        Assert.Null(_responder.LeaseOf(Protocols.MacAddress.Parse(Mac)));
    }

    [Fact]
    public void Request_SelectingAnAddressHeldByAnother_IsNaked()
    {
        uint a = Dora(Other);
        var (response, reply) = Run(new RequestBuilder(DhcpMessageType.Request, Mac)
            .Option(DhcpOptionCode.RequestedAddress, Bytes(a)).Address(DhcpOptionCode.ServerIdentifier, "10.0.0.1"));
        Assert.Equal(DhcpMessageType.Nak, reply.MessageType);
        Assert.True(response.Broadcast);
        Assert.Equal(0u, reply.YourAddress);
    }

    [Fact]
    public void Request_InitRebootWrongNetwork_IsNaked()
    {
        var (_, reply) = Run(new RequestBuilder(DhcpMessageType.Request, Mac).Address(DhcpOptionCode.RequestedAddress, "192.168.1.5"));
        Assert.Equal(DhcpMessageType.Nak, reply.MessageType);
    }

    [Fact]
    public void Request_InitRebootKnownLease_IsAcked()
    {
        uint a = Dora(Mac);
        var (_, reply) = Run(new RequestBuilder(DhcpMessageType.Request, Mac).Option(DhcpOptionCode.RequestedAddress, Bytes(a)));
        Assert.Equal(DhcpMessageType.Ack, reply.MessageType);
        Assert.Equal(a, reply.YourAddress);
    }

    [Fact]
    public void Request_InitRebootOutsidePoolWithoutRecord_IsSilent()
    {
        var (response, _) = Run(new RequestBuilder(DhcpMessageType.Request, Mac).Address(DhcpOptionCode.RequestedAddress, "10.0.0.20"));
        Assert.Equal(0, response.Length);
    }

    [Fact]
    public void Renew_UnicastToCiaddrAndExtends()
    {
        uint a = Dora(Mac);
        long before = _responder.LeaseOf(Protocols.MacAddress.Parse(Mac))!.Value.ExpiresUnixMs;
        _time.Advance(TimeSpan.FromSeconds(300));
        var (response, reply) = Run(new RequestBuilder(DhcpMessageType.Request, Mac) { Ciaddr = a }, source: a);
        Assert.Equal(DhcpMessageType.Ack, reply.MessageType);
        Assert.Equal(a, reply.YourAddress);
        Assert.False(response.Broadcast);
        Assert.Equal(a, response.Destination);
        Assert.Equal(68, response.DestinationPort);
        Assert.True(response.HasLeaseChange);
        Assert.Equal(before + 300_000, response.LeaseChange.ExpiresUnixMs);
    }

    [Fact]
    public void Rebind_AddressOfAnotherClient_IsNaked()
    {
        uint a = Dora(Other);
        var (_, reply) = Run(new RequestBuilder(DhcpMessageType.Request, Mac) { Ciaddr = a, BroadcastFlag = true });
        Assert.Equal(DhcpMessageType.Nak, reply.MessageType);
    }

    [Fact]
    public void Release_FreesAndPersistsWithoutReply()
    {
        uint a = Dora(Mac);
        var (response, _) = Run(new RequestBuilder(DhcpMessageType.Release, Mac) { Ciaddr = a }.Address(DhcpOptionCode.ServerIdentifier, "10.0.0.1"));
        Assert.Equal(0, response.Length);
        Assert.True(response.HasLeaseChange);
        Assert.Equal(LeaseState.Released, response.LeaseChange.State);
        // Released addresses go back to the pool.
        Dora("de:00:00:00:00:02");
        Dora("de:00:00:00:00:03");
        Assert.Equal(a, Dora("de:00:00:00:00:04"));
    }

    [Fact]
    public void Decline_QuarantinesUntilExpiry()
    {
        uint a = Dora(Mac);
        var (response, _) = Run(new RequestBuilder(DhcpMessageType.Decline, Mac)
            .Option(DhcpOptionCode.RequestedAddress, Bytes(a)).Address(DhcpOptionCode.ServerIdentifier, "10.0.0.1"));
        Assert.Equal(0, response.Length);
        Assert.Equal(LeaseState.Declined, response.LeaseChange.State);

        var (_, offer) = Run(new RequestBuilder(DhcpMessageType.Discover, Mac));
        Assert.NotEqual(a, offer.YourAddress);
        Dora("de:00:00:00:00:02");
        Assert.Equal(DhcpDropReason.PoolExhausted, Run(new RequestBuilder(DhcpMessageType.Discover, "de:00:00:00:00:03")).Response.Drop);

        _time.Advance(TimeSpan.FromSeconds(601));
        Assert.Equal(DhcpMessageType.Offer, Run(new RequestBuilder(DhcpMessageType.Discover, "de:00:00:00:00:03")).Reply.MessageType);
    }

    [Fact]
    public void Inform_AcksWithoutAddressOrLeaseToCiaddr()
    {
        var (response, reply) = Run(new RequestBuilder(DhcpMessageType.Inform, Mac) { Ciaddr = Ip.U("10.0.0.30") }, source: Ip.U("10.0.0.30"));
        Assert.Equal(DhcpMessageType.Ack, reply.MessageType);
        Assert.Equal(0u, reply.YourAddress);
        Assert.False(reply.HasOption(DhcpOptionCode.LeaseTime));
        Assert.Equal(Ip.U("10.0.0.30"), response.Destination);
        Assert.False(response.HasLeaseChange);
    }

    [Fact]
    public void Relay_RepliesToGiaddrPort67()
    {
        var (response, reply) = Run(new RequestBuilder(DhcpMessageType.Discover, Mac) { Giaddr = Ip.U("10.0.0.254") });
        Assert.Equal(DhcpMessageType.Offer, reply.MessageType);
        Assert.Equal(Ip.U("10.0.0.254"), reply.GatewayAddress);
        Assert.Equal(Ip.U("10.0.0.254"), response.Destination);
        Assert.Equal(67, response.DestinationPort);
    }

    [Fact]
    public void Relay_FromForeignSubnet_IsDropped()
    {
        var (response, _) = Run(new RequestBuilder(DhcpMessageType.Discover, Mac) { Giaddr = Ip.U("172.16.0.1") });
        Assert.Equal(DhcpDropReason.WrongSubnet, response.Drop);
    }

    [Fact]
    public void UnknownMac_IsSilentInFullModeToo()
    {
        var (response, _) = Run(new RequestBuilder(DhcpMessageType.Discover, "00:00:00:00:00:99"));
        Assert.Equal(DhcpDropReason.Ignored, response.Drop);
    }

    [Fact]
    public void ServerAddressInsidePool_IsNeverOffered()
    {
        var responder = Create(new DhcpPoolOptions { Start = "10.0.0.1", End = "10.0.0.2", SubnetMask = "255.255.255.0" });
        var ctx = new DhcpReceiveContext(s_server, 67, 0, 68, false);
        var r = responder.Respond(new RequestBuilder(DhcpMessageType.Discover, Mac).Parse(), ctx, _reply);
        var offer = new DhcpPacket();
        Assert.True(offer.TryParse(_reply.AsSpan(0, r.Length)));
        Assert.Equal(Ip.U("10.0.0.2"), offer.YourAddress);
    }

    [Fact]
    public void LoadLeases_RestoresBindings()
    {
        var responder = Create(new DhcpPoolOptions { Start = "10.0.0.100", End = "10.0.0.110", SubnetMask = "255.255.255.0" });
        long expires = _time.GetUtcNow().ToUnixTimeMilliseconds() + 100_000;
        responder.LoadLeases([new LeaseRecord(Ip.U("10.0.0.105"), Protocols.MacAddress.Parse(Mac).Value, LeaseState.Bound, expires)]);
        var ctx = new DhcpReceiveContext(s_server, 67, 0, 68, false);
        var r = responder.Respond(new RequestBuilder(DhcpMessageType.Discover, Mac).Parse(), ctx, _reply);
        var offer = new DhcpPacket();
        Assert.True(offer.TryParse(_reply.AsSpan(0, r.Length)));
        Assert.Equal(Ip.U("10.0.0.105"), offer.YourAddress);
    }
}
