namespace PxeServer.Dhcp.Leases;

/// <summary>What an address is doing.</summary>
public enum LeaseState : byte
{
    /// <summary>Offered, waiting for the REQUEST (memory only, never persisted).</summary>
    Offered = 1,

    /// <summary>ACKed to the client: durable before the ACK leaves.</summary>
    Bound = 2,

    /// <summary>The client released it; remembered so the same client gets it back.</summary>
    Released = 3,

    /// <summary>A client declined it (RFC 2131 §4.3.3: in use by someone else); quarantined until it expires.</summary>
    Declined = 4,
}

/// <summary>One persisted lease row: an address, its client and state, and when it ends (Unix milliseconds).</summary>
/// <param name="Address">IPv4 address, host order.</param>
/// <param name="Mac">Client MAC as a 48-bit number (0 for a declined address).</param>
/// <param name="State">State.</param>
/// <param name="ExpiresUnixMs">End of the lease or quarantine.</param>
public readonly record struct LeaseRecord(uint Address, ulong Mac, LeaseState State, long ExpiresUnixMs);

/// <summary>One in-memory lease (mutable; guarded by the responder's lock).</summary>
internal sealed class Lease
{
    public Lease(uint address) => Address = address;

    public uint Address { get; }

    public ulong Mac { get; set; }

    public LeaseState State { get; set; }

    public long ExpiresUnixMs { get; set; }

    public LeaseRecord ToRecord() => new(Address, Mac, State, ExpiresUnixMs);
}
