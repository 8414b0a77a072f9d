using System.Buffers.Binary;
using System.Net;
using System.Text;
using Microsoft.Extensions.Logging;
using PxeServer.Catalog.Planning;
using PxeServer.Dhcp.Leases;
using PxeServer.Protocols.Dhcp;

namespace PxeServer.Dhcp;

/// <summary>Where a request arrived.</summary>
/// <param name="ServerAddress">Our IPv4 address on the receiving interface (server identifier and next-server), host order.</param>
/// <param name="LocalPort">The port it arrived on: 67 (DHCP) or 4011 (PXE boot server).</param>
/// <param name="SourceAddress">The sender's IPv4 address, host order.</param>
/// <param name="SourcePort">The sender's port (68, or 4011 for OVMF's own client on 4011).</param>
/// <param name="IsBootServerPort">True when it arrived on the PXE boot server port (4011).</param>
internal readonly record struct DhcpReceiveContext(uint ServerAddress, int LocalPort, uint SourceAddress, int SourcePort, bool IsBootServerPort);

/// <summary>Why a request got no reply (counted and logged at Debug).</summary>
internal enum DhcpDropReason
{
    None,
    NotBootRequest,
    NotEthernet,
    NoMessageType,
    UnsupportedMessage,
    NotPxeClient,
    Ignored,
    Refused,
    OtherServer,
    WrongSubnet,
    PoolExhausted,
    NoRecord,
    NoReplyNeeded,
    ReplyTooLarge,
}

/// <summary>The responder's verdict for one request.</summary>
internal readonly struct DhcpResponse
{
    /// <summary>Reply length in the caller's buffer; 0 = no reply.</summary>
    public int Length { get; init; }

    /// <summary>Unicast destination (host order) when not <see cref="Broadcast"/>.</summary>
    public uint Destination { get; init; }

    /// <summary>Destination UDP port.</summary>
    public int DestinationPort { get; init; }

    /// <summary>Send to 255.255.255.255 on the receiving interface.</summary>
    public bool Broadcast { get; init; }

    /// <summary>The reply's message type.</summary>
    public DhcpMessageType ReplyType { get; init; }

    /// <summary>True when <see cref="LeaseChange"/> must be durable before the reply is sent.</summary>
    public bool HasLeaseChange { get; init; }

    /// <summary>The lease row to persist.</summary>
    public LeaseRecord LeaseChange { get; init; }

    /// <summary>Why there is no reply.</summary>
    public DhcpDropReason Drop { get; init; }

    /// <summary>The planner's decision, when one was asked for.</summary>
    public BootDecision? Decision { get; init; }

    public static DhcpResponse Dropped(DhcpDropReason reason, BootDecision? decision = null) => new() { Drop = reason, Decision = decision };
}

/// <summary>
/// The DHCP/ProxyDHCP policy as one synchronous function: a parsed request, the planner's decision and the
/// lease state in, reply bytes (or a drop) out. No sockets, no awaits, no I/O: the caller persists
/// <see cref="DhcpResponse.LeaseChange"/> before it sends an ACK. Thread-safe (full mode takes a lock).
/// </summary>
internal sealed class DhcpResponder
{
    /// <summary>How long an offered address is held for the client's REQUEST.</summary>
    public static readonly TimeSpan OfferHold = TimeSpan.FromSeconds(30);

    /// <summary>PXE boot server type used in the option 43 menu (0x8000 and up are vendor types).</summary>
    public const ushort BootServerType = 0x8000;

    private const int ClientPort = 68;
    private const int ServerPort = 67;
    private const int UdpIpOverhead = 28;
    private const int MinimumReplyLimit = 576 - UdpIpOverhead;

    private static readonly byte[] s_menuText = "PxeServer"u8.ToArray();

    private readonly DhcpMode _mode;
    private readonly DhcpPool? _pool;
    private readonly LeaseTable? _leases;
    private readonly IBootPlanner _planner;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Lock _sync = new();

    public DhcpResponder(DhcpMode mode, DhcpPool? pool, IBootPlanner planner, TimeProvider time, ILogger logger)
    {
        if (mode == DhcpMode.Full && pool is null)
        {
            throw new ArgumentException("Full mode needs a pool.", nameof(pool));
        }

        _mode = mode;
        _pool = pool;
        _leases = mode == DhcpMode.Full ? new LeaseTable(pool!.First, pool.Last) : null;
        _planner = planner;
        _time = time;
        _logger = logger;
    }

    /// <summary>Loads persisted leases (full mode, at start).</summary>
    public void LoadLeases(IEnumerable<LeaseRecord> records)
    {
        lock (_sync)
        {
            _leases?.Load(records);
        }
    }

    /// <summary>The lease currently recorded for <paramref name="mac"/>, for tests and <c>pxe status</c>.</summary>
    public LeaseRecord? LeaseOf(Protocols.MacAddress mac)
    {
        lock (_sync)
        {
            return _leases?.ByMac(mac.Value)?.ToRecord();
        }
    }

    /// <summary>Decides the reply to <paramref name="request"/> and writes it into <paramref name="reply"/>.</summary>
    public DhcpResponse Respond(DhcpPacket request, in DhcpReceiveContext context, Span<byte> reply)
    {
        if (request.Op != 1)
        {
            return DhcpResponse.Dropped(DhcpDropReason.NotBootRequest);
        }

        if (!request.HasEthernetAddress || !request.Mac.IsUnicast)
        {
            return DhcpResponse.Dropped(DhcpDropReason.NotEthernet);
        }

        if (request.MessageType == DhcpMessageType.None)
        {
            return DhcpResponse.Dropped(DhcpDropReason.NoMessageType);
        }

        if (context.IsBootServerPort)
        {
            return BootServer(request, context, reply);
        }

        return _mode switch
        {
            DhcpMode.Proxy => ProxyOffer(request, context, reply),
            DhcpMode.Full => Full(request, context, reply),
            _ => DhcpResponse.Dropped(DhcpDropReason.UnsupportedMessage),
        };
    }

    // PXE spec 2.1 §2.2.3: a ProxyDHCP OFFER on 67 carries no address, only PXEClient and the boot information.
    private DhcpResponse ProxyOffer(DhcpPacket rq, in DhcpReceiveContext ctx, Span<byte> reply)
    {
        if (rq.MessageType != DhcpMessageType.Discover)
        {
            // REQUESTs on 67 belong to the segment's own DHCP server; never ACK, never NAK.
            return DhcpResponse.Dropped(DhcpDropReason.OtherServer);
        }

        if (!rq.IsPxeClient && !rq.IsHttpClient)
        {
            return DhcpResponse.Dropped(DhcpDropReason.NotPxeClient);
        }

        var decision = Decide(rq, 0);
        if (decision.Outcome != BootOutcome.Boot)
        {
            return DhcpResponse.Dropped(decision.Outcome == BootOutcome.Ignore ? DhcpDropReason.Ignored : DhcpDropReason.Refused, decision);
        }

        var arch = rq.Architecture ?? ClientArchitecture.X86Bios;
        var pxe = rq.IsPxeClient && arch == ClientArchitecture.X86Bios ? VendorOptions.Menu : VendorOptions.None;
        int n = Write(rq, ctx, reply, DhcpMessageType.Offer, yiaddr: 0, decision, pxe, leaseSeconds: 0);
        return Routed(rq, n, DhcpMessageType.Offer, decision, proxy: true, ctx);
    }

    // PXE spec 2.1 §2.2.5: the boot server ACKs a REQUEST on 4011 with the boot file, to the request's source port.
    private DhcpResponse BootServer(DhcpPacket rq, in DhcpReceiveContext ctx, Span<byte> reply)
    {
        if (rq.MessageType is not (DhcpMessageType.Request or DhcpMessageType.Inform))
        {
            return DhcpResponse.Dropped(DhcpDropReason.UnsupportedMessage);
        }

        if (!rq.IsPxeClient && !rq.IsHttpClient)
        {
            return DhcpResponse.Dropped(DhcpDropReason.NotPxeClient);
        }

        uint client = rq.ClientAddress != 0 ? rq.ClientAddress : ctx.SourceAddress;
        var decision = Decide(rq, client);
        if (decision.Outcome != BootOutcome.Boot)
        {
            return DhcpResponse.Dropped(decision.Outcome == BootOutcome.Ignore ? DhcpDropReason.Ignored : DhcpDropReason.Refused, decision);
        }

        var pxe = rq.TryGetPxeBootItem(out _, out _) ? VendorOptions.EchoBootItem : VendorOptions.None;
        int n = Write(rq, ctx, reply, DhcpMessageType.Ack, yiaddr: 0, decision, pxe, leaseSeconds: 0);
        if (n == 0)
        {
            return DhcpResponse.Dropped(DhcpDropReason.ReplyTooLarge, decision);
        }

        bool broadcast = ctx.SourceAddress == 0;
        return new DhcpResponse
        {
            Length = n,
            Destination = ctx.SourceAddress,
            DestinationPort = ctx.SourcePort,
            Broadcast = broadcast,
            ReplyType = DhcpMessageType.Ack,
            Decision = decision,
        };
    }

    private DhcpResponse Full(DhcpPacket rq, in DhcpReceiveContext ctx, Span<byte> reply)
    {
        var pool = _pool!;
        uint anchor = rq.GatewayAddress != 0 ? rq.GatewayAddress : ctx.ServerAddress;
        if (anchor != 0 && !pool.InSubnet(anchor))
        {
            return DhcpResponse.Dropped(DhcpDropReason.WrongSubnet);
        }

        lock (_sync)
        {
            return rq.MessageType switch
            {
                DhcpMessageType.Discover => FullDiscover(rq, ctx, reply),
                DhcpMessageType.Request => FullRequest(rq, ctx, reply),
                DhcpMessageType.Decline => FullDecline(rq, ctx),
                DhcpMessageType.Release => FullRelease(rq, ctx),
                DhcpMessageType.Inform => FullInform(rq, ctx, reply),
                _ => DhcpResponse.Dropped(DhcpDropReason.UnsupportedMessage),
            };
        }
    }

    private DhcpResponse FullDiscover(DhcpPacket rq, in DhcpReceiveContext ctx, Span<byte> reply)
    {
        var leases = _leases!;
        var decision = Decide(rq, 0);
        if (decision.Outcome != BootOutcome.Boot)
        {
            return DhcpResponse.Dropped(decision.Outcome == BootOutcome.Ignore ? DhcpDropReason.Ignored : DhcpDropReason.Refused, decision);
        }

        long now = Now();
        ulong mac = rq.Mac.Value;
        uint address = ChooseAddress(mac, rq.RequestedAddress, Reserved(decision), ctx.ServerAddress, now);
        if (address == 0)
        {
            return DhcpResponse.Dropped(DhcpDropReason.PoolExhausted, decision);
        }

        var existing = leases.ByAddress(address);
        if (existing is null || existing.Mac != mac || existing.State != LeaseState.Bound || existing.ExpiresUnixMs <= now)
        {
            leases.Set(address, mac, LeaseState.Offered, now + (long)OfferHold.TotalMilliseconds);
        }

        int n = Write(rq, ctx, reply, DhcpMessageType.Offer, address, decision, FullVendor(rq), _pool!.LeaseTimeSeconds);
        return Routed(rq, n, DhcpMessageType.Offer, decision, proxy: false, ctx);
    }

    private DhcpResponse FullRequest(DhcpPacket rq, in DhcpReceiveContext ctx, Span<byte> reply)
    {
        var leases = _leases!;
        var pool = _pool!;
        ulong mac = rq.Mac.Value;
        uint serverId = rq.ServerIdentifier;
        uint requested = rq.RequestedAddress;
        uint ciaddr = rq.ClientAddress;
        long now = Now();

        if (serverId != 0 && serverId != ctx.ServerAddress)
        {
            // RFC 2131 §4.3.2: the client chose another server. Free our offer; never NAK it.
            leases.DropOffer(mac);
            return DhcpResponse.Dropped(DhcpDropReason.OtherServer);
        }

        uint address;
        if (serverId != 0)
        {
            // SELECTING: the address we offered.
            address = requested != 0 ? requested : ciaddr;
        }
        else if (requested != 0)
        {
            // INIT-REBOOT: the client remembers an address.
            if (!pool.InSubnet(requested))
            {
                return Nak(rq, ctx, reply, "wrong network");
            }

            address = requested;
        }
        else if (ciaddr != 0)
        {
            // RENEWING (unicast) or REBINDING (broadcast).
            address = ciaddr;
        }
        else
        {
            return DhcpResponse.Dropped(DhcpDropReason.NoRecord);
        }

        var decision = Decide(rq, address);
        if (decision.Outcome != BootOutcome.Boot)
        {
            return DhcpResponse.Dropped(decision.Outcome == BootOutcome.Ignore ? DhcpDropReason.Ignored : DhcpDropReason.Refused, decision);
        }

        uint reserved = Reserved(decision);
        var mine = leases.ByMac(mac);
        bool knownBinding = mine is not null && mine.Address == address && mine.State is LeaseState.Offered or LeaseState.Bound or LeaseState.Released;
        bool ours = leases.InPool(address) || (reserved != 0 && address == reserved);
        if (!knownBinding)
        {
            if (!ours)
            {
                // Not an address we hand out: another server's client (or a stale one) — silence unless it asked us by id.
                return serverId != 0 ? Nak(rq, ctx, reply, "address not offered") : DhcpResponse.Dropped(DhcpDropReason.NoRecord, decision);
            }

            if (!leases.IsAvailableFor(address, mac, now) || address == ctx.ServerAddress)
            {
                return Nak(rq, ctx, reply, "address in use");
            }
        }

        if (reserved != 0 && address != reserved && pool.InSubnet(reserved) && leases.IsAvailableFor(reserved, mac, now))
        {
            // The host has a reservation: move it there.
            return Nak(rq, ctx, reply, "host has a reserved address");
        }

        var lease = leases.Set(address, mac, LeaseState.Bound, now + (pool.LeaseTimeSeconds * 1000L));
        int n = Write(rq, ctx, reply, DhcpMessageType.Ack, address, decision, FullVendor(rq), pool.LeaseTimeSeconds);
        var routed = Routed(rq, n, DhcpMessageType.Ack, decision, proxy: false, ctx);
        return routed.Length == 0 ? routed : new DhcpResponse
        {
            Length = routed.Length,
            Destination = routed.Destination,
            DestinationPort = routed.DestinationPort,
            Broadcast = routed.Broadcast,
            ReplyType = DhcpMessageType.Ack,
            Decision = decision,
            HasLeaseChange = true,
            LeaseChange = lease.ToRecord(),
        };
    }

    private DhcpResponse FullDecline(DhcpPacket rq, in DhcpReceiveContext ctx)
    {
        var leases = _leases!;
        uint address = rq.RequestedAddress;
        if ((rq.ServerIdentifier != 0 && rq.ServerIdentifier != ctx.ServerAddress) || address == 0)
        {
            return DhcpResponse.Dropped(DhcpDropReason.OtherServer);
        }

        var lease = leases.ByAddress(address);
        if (lease is null || lease.Mac != rq.Mac.Value)
        {
            return DhcpResponse.Dropped(DhcpDropReason.NoRecord);
        }

        // RFC 2131 §4.3.3: mark the address as not available; quarantined for one lease time.
        var changed = leases.Set(address, rq.Mac.Value, LeaseState.Declined, Now() + (_pool!.LeaseTimeSeconds * 1000L));
        return new DhcpResponse { Drop = DhcpDropReason.NoReplyNeeded, HasLeaseChange = true, LeaseChange = changed.ToRecord() };
    }

    private DhcpResponse FullRelease(DhcpPacket rq, in DhcpReceiveContext ctx)
    {
        var leases = _leases!;
        uint address = rq.ClientAddress;
        if (rq.ServerIdentifier != 0 && rq.ServerIdentifier != ctx.ServerAddress)
        {
            return DhcpResponse.Dropped(DhcpDropReason.OtherServer);
        }

        var lease = leases.ByMac(rq.Mac.Value);
        if (lease is null || lease.Address != address || lease.State != LeaseState.Bound)
        {
            return DhcpResponse.Dropped(DhcpDropReason.NoRecord);
        }

        var changed = leases.Set(address, rq.Mac.Value, LeaseState.Released, Now());
        return new DhcpResponse { Drop = DhcpDropReason.NoReplyNeeded, HasLeaseChange = true, LeaseChange = changed.ToRecord() };
    }

    private DhcpResponse FullInform(DhcpPacket rq, in DhcpReceiveContext ctx, Span<byte> reply)
    {
        uint ciaddr = rq.ClientAddress != 0 ? rq.ClientAddress : ctx.SourceAddress;
        var decision = Decide(rq, ciaddr);
        if (decision.Outcome != BootOutcome.Boot)
        {
            return DhcpResponse.Dropped(decision.Outcome == BootOutcome.Ignore ? DhcpDropReason.Ignored : DhcpDropReason.Refused, decision);
        }

        // RFC 2131 §3.4: no yiaddr and no lease time in the ACK to an INFORM; unicast to ciaddr.
        int n = Write(rq, ctx, reply, DhcpMessageType.Ack, yiaddr: 0, decision, FullVendor(rq), leaseSeconds: 0);
        return Routed(rq, n, DhcpMessageType.Ack, decision, proxy: false, ctx);
    }

    private uint ChooseAddress(ulong mac, uint requested, uint reserved, uint self, long now)
    {
        var leases = _leases!;
        var pool = _pool!;
        if (reserved != 0 && reserved != self && pool.InSubnet(reserved) && leases.IsAvailableFor(reserved, mac, now))
        {
            return reserved;
        }

        var mine = leases.ByMac(mac);
        if (mine is not null && mine.State != LeaseState.Declined && mine.Address != self && leases.InPool(mine.Address) &&
            leases.IsAvailableFor(mine.Address, mac, now))
        {
            return mine.Address;
        }

        if (requested != 0 && requested != self && leases.InPool(requested) && leases.IsAvailableFor(requested, mac, now))
        {
            return requested;
        }

        uint free = leases.FindFree(mac, now);
        if (free == self && free != 0)
        {
            // Our own address sits in the pool: quarantine it for good and look again.
            leases.Set(self, 0, LeaseState.Declined, long.MaxValue);
            free = leases.FindFree(mac, now);
        }

        return free;
    }

    private DhcpResponse Nak(DhcpPacket rq, in DhcpReceiveContext ctx, Span<byte> reply, string why)
    {
        int limit = ReplyLimit(rq, reply.Length);
        var w = new DhcpWriter(reply, limit);
        ushort flags = rq.GatewayAddress != 0 ? DhcpPacket.BroadcastFlag : (ushort)0;
        if (!w.TryWriteHeader(2, rq.TransactionId, 0, flags, 0, 0, 0, rq.GatewayAddress, rq.HardwareType, rq.HardwareLength,
                rq.ClientHardwareField, default, default) ||
            !w.TryWriteOption(DhcpOptionCode.MessageType, (byte)DhcpMessageType.Nak) ||
            !w.TryWriteUInt32(DhcpOptionCode.ServerIdentifier, ctx.ServerAddress))
        {
            return DhcpResponse.Dropped(DhcpDropReason.ReplyTooLarge);
        }

        Span<byte> text = stackalloc byte[64];
        int len = Encoding.ASCII.GetBytes(why.AsSpan(0, Math.Min(why.Length, 64)), text);
        w.TryWriteOption(DhcpOptionCode.Message, text[..len]);
        if (rq.TryGetOption(DhcpOptionCode.RelayAgentInformation, out var relay))
        {
            w.TryWriteOption(DhcpOptionCode.RelayAgentInformation, relay);
        }

        int n = w.WriteEnd();

        // RFC 2131 §4.1: a NAK goes to the relay, else is broadcast.
        return rq.GatewayAddress != 0
            ? new DhcpResponse { Length = n, Destination = rq.GatewayAddress, DestinationPort = ServerPort, ReplyType = DhcpMessageType.Nak }
            : new DhcpResponse { Length = n, Broadcast = true, DestinationPort = ClientPort, ReplyType = DhcpMessageType.Nak };
    }

    // RFC 2131 §4.1 reply routing.
    private static DhcpResponse Routed(DhcpPacket rq, int length, DhcpMessageType type, BootDecision decision, bool proxy, in DhcpReceiveContext ctx)
    {
        if (length == 0)
        {
            return DhcpResponse.Dropped(DhcpDropReason.ReplyTooLarge, decision);
        }

        if (rq.GatewayAddress != 0)
        {
            return new DhcpResponse { Length = length, Destination = rq.GatewayAddress, DestinationPort = ServerPort, ReplyType = type, Decision = decision };
        }

        if (rq.ClientAddress != 0 && !proxy)
        {
            return new DhcpResponse { Length = length, Destination = rq.ClientAddress, DestinationPort = ClientPort, ReplyType = type, Decision = decision };
        }

        // Broadcast bit set, or no usable address yet: broadcast on the receiving interface (we do not
        // inject ARP entries to unicast to yiaddr; RFC 2131 §4.1 allows broadcasting instead).
        _ = ctx;
        return new DhcpResponse { Length = length, Broadcast = true, DestinationPort = ClientPort, ReplyType = type, Decision = decision };
    }

    private enum VendorOptions
    {
        None,
        Menu,
        UseBootFile,
        EchoBootItem,
    }

    private static VendorOptions FullVendor(DhcpPacket rq) => rq.IsPxeClient ? VendorOptions.UseBootFile : VendorOptions.None;

    private int Write(DhcpPacket rq, in DhcpReceiveContext ctx, Span<byte> reply, DhcpMessageType type, uint yiaddr, BootDecision decision,
        VendorOptions vendor, uint leaseSeconds)
    {
        int limit = ReplyLimit(rq, reply.Length);
        var w = new DhcpWriter(reply, limit);
        bool http = rq.IsHttpClient || (rq.Architecture is { } a && a.IsHttpBoot());

        Span<byte> file = stackalloc byte[512];
        int fileLength = BootFileBytes(decision.BootFile, http, ctx.ServerAddress, file);
        var fileSpan = file[..fileLength];
        bool fileFits = fileLength < DhcpPacket.FileLength;

        ushort flags = (ushort)(rq.Flags & DhcpPacket.BroadcastFlag);
        uint ciaddr = type == DhcpMessageType.Ack ? rq.ClientAddress : 0;
        if (!w.TryWriteHeader(2, rq.TransactionId, 0, flags, ciaddr, yiaddr, ctx.ServerAddress, rq.GatewayAddress,
                rq.HardwareType, rq.HardwareLength, rq.ClientHardwareField, default, fileFits ? fileSpan : default) ||
            !w.TryWriteOption(DhcpOptionCode.MessageType, (byte)type) ||
            !w.TryWriteUInt32(DhcpOptionCode.ServerIdentifier, ctx.ServerAddress))
        {
            return 0;
        }

        if (leaseSeconds != 0)
        {
            w.TryWriteUInt32(DhcpOptionCode.LeaseTime, leaseSeconds);
            w.TryWriteUInt32(DhcpOptionCode.RenewalTime, leaseSeconds / 2);
            w.TryWriteUInt32(DhcpOptionCode.RebindingTime, (uint)(leaseSeconds * 7UL / 8));
        }

        if (_mode == DhcpMode.Full && !ctx.IsBootServerPort && _pool is { } pool)
        {
            var prl = rq.GetOption(DhcpOptionCode.ParameterRequestList);
            bool all = !rq.HasOption(DhcpOptionCode.ParameterRequestList);
            w.TryWriteUInt32(DhcpOptionCode.SubnetMask, pool.SubnetMask);
            if (pool.Router != 0 && (all || prl.Contains((byte)DhcpOptionCode.Router)))
            {
                w.TryWriteUInt32(DhcpOptionCode.Router, pool.Router);
            }

            if (pool.Dns.Length > 0 && (all || prl.Contains((byte)DhcpOptionCode.DomainNameServer)))
            {
                w.TryWriteOption(DhcpOptionCode.DomainNameServer, pool.Dns);
            }

            if (pool.Domain.Length > 0 && (all || prl.Contains((byte)DhcpOptionCode.DomainName)))
            {
                w.TryWriteOption(DhcpOptionCode.DomainName, pool.Domain);
            }

            if (prl.Contains((byte)DhcpOptionCode.BroadcastAddress))
            {
                w.TryWriteUInt32(DhcpOptionCode.BroadcastAddress, pool.Broadcast);
            }
        }

        // Echo the client's class so PXE and HTTP-boot firmware accept the offer (PXE spec 2.1 §2.2; UEFI 2.x §24.7).
        if (http)
        {
            w.TryWriteOption(DhcpOptionCode.VendorClassIdentifier, "HTTPClient"u8);
        }
        else if (rq.IsPxeClient)
        {
            w.TryWriteOption(DhcpOptionCode.VendorClassIdentifier, "PXEClient"u8);
        }

        Span<byte> pxe = stackalloc byte[64];
        var v = new PxeVendorOptionsWriter(pxe);
        switch (vendor)
        {
            case VendorOptions.Menu:
                // As the reference server does for BIOS ROMs: no broadcast/multicast discovery, ask us on 4011.
                v.TryWriteDiscoveryControl(0x03);
                v.TryWriteBootServer(BootServerType, ctx.ServerAddress);
                v.TryWriteBootMenu(BootServerType, s_menuText);
                v.TryWriteMenuPrompt(0, s_menuText);
                v.TryWriteEnd();
                break;
            case VendorOptions.UseBootFile:
                v.TryWriteDiscoveryControl(0x08);
                v.TryWriteEnd();
                break;
            case VendorOptions.EchoBootItem:
                rq.TryGetPxeBootItem(out ushort itemType, out ushort layer);
                v.TryWriteBootItem(itemType, layer);
                v.TryWriteEnd();
                break;
        }

        if (v.Length > 0)
        {
            w.TryWriteOption(DhcpOptionCode.VendorSpecific, v.Written);
        }

        if (fileLength > 0)
        {
            w.TryWriteOption(DhcpOptionCode.BootFileName, fileSpan);
        }

        if ((rq.IsPxeClient || http) && rq.TryGetOption(DhcpOptionCode.ClientMachineId, out var uuid))
        {
            w.TryWriteOption(DhcpOptionCode.ClientMachineId, uuid);
        }

        if (rq.TryGetOption(DhcpOptionCode.RelayAgentInformation, out var relay))
        {
            w.TryWriteOption(DhcpOptionCode.RelayAgentInformation, relay);
        }

        return w.WriteEnd();
    }

    // For HTTP boot the file is a URL: the planner's absolute URL, or http://<next-server>/<path>.
    private static int BootFileBytes(string? bootFile, bool http, uint server, Span<byte> destination)
    {
        if (string.IsNullOrEmpty(bootFile))
        {
            return 0;
        }

        if (http && !bootFile.Contains("://", StringComparison.Ordinal))
        {
            Span<char> text = stackalloc char[destination.Length];
            if (!text.TryWrite($"http://{server >> 24}.{(server >> 16) & 0xFF}.{(server >> 8) & 0xFF}.{server & 0xFF}/{bootFile}", out int chars))
            {
                return 0;
            }

            return Encoding.ASCII.GetBytes(text[..chars], destination);
        }

        return bootFile.Length <= destination.Length ? Encoding.ASCII.GetBytes(bootFile, destination) : 0;
    }

    private static int ReplyLimit(DhcpPacket rq, int buffer)
    {
        int max = rq.MaxMessageSize;
        int limit = max >= 576 ? max - UdpIpOverhead : MinimumReplyLimit;
        return Math.Min(limit, buffer);
    }

    private static uint Reserved(BootDecision decision) =>
        decision.ReservedAddress is { AddressFamily: System.Net.Sockets.AddressFamily.InterNetwork } ip ? DhcpPoolOptions.ToUInt32(ip) : 0;

    private BootDecision Decide(DhcpPacket rq, uint clientAddress)
    {
        var request = new BootRequest(
            rq.Mac,
            rq.Architecture,
            rq.IsIpxe,
            DhcpPacket.UserClassText(rq.GetOption(DhcpOptionCode.UserClass)),
            rq.TryGetOption(DhcpOptionCode.VendorClassIdentifier, out var vc) ? Encoding.ASCII.GetString(vc) : null,
            clientAddress == 0 ? null : ToAddress(clientAddress));
        try
        {
            return _planner.Decide(request);
        }
        catch (Exception e)
        {
            Log.PlannerFailed(_logger, rq.Mac.ToString(), e);
            return new BootDecision { Outcome = BootOutcome.Refuse, Reason = "the boot planner failed: " + e.Message };
        }
    }

    private long Now() => _time.GetUtcNow().ToUnixTimeMilliseconds();

    internal static IPAddress ToAddress(uint address)
    {
        Span<byte> b = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(b, address);
        return new IPAddress(b);
    }
}
