namespace PxeServer.Dhcp.Leases;

/// <summary>
/// The in-memory lease state of full mode: by address and by MAC. Not thread-safe: the responder holds its
/// lock around every use. Address choice never waits on anything (no ping check, RFC 2131 §4.3.1 makes it a SHOULD).
/// </summary>
internal sealed class LeaseTable
{
    // Sized for the pool up front (capped): growing a 64k-entry dictionary under load means large-object
    // allocations and a rehash on the receive path, and the GC then copies the survivors.
    private const int MaxInitialCapacity = 1 << 16;

    private readonly Dictionary<uint, Lease> _byAddress;
    private readonly Dictionary<ulong, Lease> _byMac;
    private readonly uint _first;
    private readonly uint _last;
    private uint _next;

    public LeaseTable(uint first, uint last)
    {
        int capacity = (int)Math.Min((ulong)last - first + 1, MaxInitialCapacity);
        _byAddress = new Dictionary<uint, Lease>(capacity);
        _byMac = new Dictionary<ulong, Lease>(capacity);
        _first = first;
        _last = last;
        _next = first;
    }

    public int Count => _byAddress.Count;

    public bool InPool(uint address) => address >= _first && address <= _last;

    public Lease? ByAddress(uint address) => _byAddress.GetValueOrDefault(address);

    public Lease? ByMac(ulong mac) => _byMac.GetValueOrDefault(mac);

    /// <summary>True when nobody but <paramref name="mac"/> holds <paramref name="address"/> now.</summary>
    public bool IsAvailableFor(uint address, ulong mac, long now)
    {
        if (!_byAddress.TryGetValue(address, out var lease))
        {
            return true;
        }

        if (lease.State == LeaseState.Declined)
        {
            return lease.ExpiresUnixMs <= now;
        }

        return lease.Mac == mac || lease.ExpiresUnixMs <= now;
    }

    /// <summary>A free pool address: never used ones first (rotating), then expired ones. 0 when the pool is full.</summary>
    public uint FindFree(ulong mac, long now)
    {
        ulong size = (ulong)_last - _first + 1;
        uint candidate = _next;
        for (ulong i = 0; i < size; i++)
        {
            if (IsAvailableFor(candidate, mac, now))
            {
                _next = candidate == _last ? _first : candidate + 1;
                return candidate;
            }

            candidate = candidate == _last ? _first : candidate + 1;
        }

        return 0;
    }

    /// <summary>Sets <paramref name="address"/> to <paramref name="state"/> for <paramref name="mac"/>, moving the MAC off any other address.</summary>
    public Lease Set(uint address, ulong mac, LeaseState state, long expiresUnixMs)
    {
        if (_byMac.TryGetValue(mac, out var previous) && previous.Address != address)
        {
            _byMac.Remove(mac);
            if (previous.State is LeaseState.Offered)
            {
                _byAddress.Remove(previous.Address);
            }
            else
            {
                previous.ExpiresUnixMs = Math.Min(previous.ExpiresUnixMs, expiresUnixMs);
                previous.Mac = mac;
                previous.State = LeaseState.Released;
            }
        }

        if (!_byAddress.TryGetValue(address, out var lease))
        {
            lease = new Lease(address);
            _byAddress[address] = lease;
        }
        else if (lease.Mac != mac && _byMac.TryGetValue(lease.Mac, out var holder) && holder == lease)
        {
            _byMac.Remove(lease.Mac);
        }

        lease.Mac = mac;
        lease.State = state;
        lease.ExpiresUnixMs = expiresUnixMs;
        if (state == LeaseState.Declined)
        {
            _byMac.Remove(mac);
            lease.Mac = 0;
        }
        else
        {
            _byMac[mac] = lease;
        }

        return lease;
    }

    /// <summary>Forgets an offer that the client did not take (it chose another server).</summary>
    public void DropOffer(ulong mac)
    {
        if (_byMac.TryGetValue(mac, out var lease) && lease.State == LeaseState.Offered)
        {
            _byMac.Remove(mac);
            _byAddress.Remove(lease.Address);
        }
    }

    /// <summary>Loads persisted rows at start.</summary>
    public void Load(IEnumerable<LeaseRecord> records)
    {
        foreach (var r in records)
        {
            var lease = new Lease(r.Address) { Mac = r.Mac, State = r.State, ExpiresUnixMs = r.ExpiresUnixMs };
            _byAddress[r.Address] = lease;
            if (r.State != LeaseState.Declined && (!_byMac.TryGetValue(r.Mac, out var other) || other.ExpiresUnixMs < r.ExpiresUnixMs))
            {
                _byMac[r.Mac] = lease;
            }
        }
    }
}
