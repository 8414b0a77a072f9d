using System.Net;
using System.Net.Sockets;

namespace PxeServer.Dhcp;

/// <summary>How the daemon takes part in DHCP.</summary>
public enum DhcpMode
{
    /// <summary>No DHCP at all (TFTP only).</summary>
    Off,

    /// <summary>ProxyDHCP (PXE spec 2.1): boot information only, next to the VLAN's own DHCP server; never an address.</summary>
    Proxy,

    /// <summary>A full DHCP server with a pool and leases.</summary>
    Full,
}

/// <summary>What to do with a MAC the catalog does not know.</summary>
public enum UnknownClientPolicy
{
    /// <summary>Stay silent (default).</summary>
    Ignore,

    /// <summary>Boot the catalog's default profile.</summary>
    Default,
}

/// <summary>The <c>dhcp:</c> section.</summary>
public sealed class DhcpOptions
{
    /// <summary>Configuration section name.</summary>
    public const string SectionName = "dhcp";

    /// <summary>full, proxy or off.</summary>
    public DhcpMode Mode { get; set; } = DhcpMode.Proxy;

    /// <summary>Address pool for full mode.</summary>
    public DhcpPoolOptions Pool { get; set; } = new();

    /// <summary>Unknown MACs: ignore (silence) or default (the catalog's default profile).</summary>
    public UnknownClientPolicy UnknownClients { get; set; } = UnknownClientPolicy.Ignore;

    /// <summary>SQLite lease database for full mode.</summary>
    public string LeaseStore { get; set; } = "/var/lib/pxeserver/leases.db";

    /// <summary>UDP port for DHCP (67).</summary>
    public int Port { get; set; } = 67;

    /// <summary>UDP port for the PXE boot server (4011).</summary>
    public int ProxyPort { get; set; } = 4011;

    /// <summary>Adds every problem to <paramref name="errors"/> as <c>key: message</c>.</summary>
    public void Validate(ICollection<string> errors)
    {
        if (Port is < 1 or > 65535)
        {
            errors.Add($"dhcp.port: {Port} is not a port number (1..65535)");
        }

        if (ProxyPort is < 1 or > 65535)
        {
            errors.Add($"dhcp.proxyPort: {ProxyPort} is not a port number (1..65535)");
        }

        if (Mode == DhcpMode.Full)
        {
            Pool.Validate(errors);
            if (string.IsNullOrWhiteSpace(LeaseStore))
            {
                errors.Add("dhcp.leaseStore: must name a file in full mode");
            }
        }
    }
}

/// <summary>The <c>dhcp.pool:</c> section.</summary>
public sealed class DhcpPoolOptions
{
    /// <summary>First address handed out.</summary>
    public string? Start { get; set; }

    /// <summary>Last address handed out.</summary>
    public string? End { get; set; }

    /// <summary>Option 1.</summary>
    public string? SubnetMask { get; set; }

    /// <summary>Option 3, optional.</summary>
    public string? Router { get; set; }

    /// <summary>Option 6, optional.</summary>
    public List<string> Dns { get; set; } = [];

    /// <summary>Option 15, optional.</summary>
    public string? Domain { get; set; }

    /// <summary>Lease time in seconds (option 51).</summary>
    public int LeaseTime { get; set; } = 3600;

    /// <summary>Adds every problem to <paramref name="errors"/>.</summary>
    public void Validate(ICollection<string> errors)
    {
        var start = Require(Start, "dhcp.pool.start", errors);
        var end = Require(End, "dhcp.pool.end", errors);
        var mask = Require(SubnetMask, "dhcp.pool.subnetMask", errors);
        if (Router is { Length: > 0 })
        {
            Parse(Router, "dhcp.pool.router", errors);
        }

        for (int i = 0; i < Dns.Count; i++)
        {
            Parse(Dns[i], $"dhcp.pool.dns[{i}]", errors);
        }

        if (LeaseTime is < 60 or > 31_536_000)
        {
            errors.Add($"dhcp.pool.leaseTime: {LeaseTime} is outside 60..31536000 seconds");
        }

        if (mask is not null && !IsContiguousMask(mask))
        {
            errors.Add($"dhcp.pool.subnetMask: '{SubnetMask}' is not a contiguous netmask");
        }

        if (start is not null && end is not null)
        {
            if (ToUInt32(start) > ToUInt32(end))
            {
                errors.Add($"dhcp.pool.end: '{End}' comes before dhcp.pool.start '{Start}'");
            }
            else if (mask is not null && (ToUInt32(start) & ToUInt32(mask)) != (ToUInt32(end) & ToUInt32(mask)))
            {
                errors.Add($"dhcp.pool.end: '{End}' is not in the same subnet as dhcp.pool.start '{Start}' with mask {SubnetMask}");
            }
        }
    }

    private static IPAddress? Require(string? value, string key, ICollection<string> errors)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            errors.Add($"{key}: required in full mode");
            return null;
        }

        return Parse(value, key, errors);
    }

    private static IPAddress? Parse(string value, string key, ICollection<string> errors)
    {
        if (IPAddress.TryParse(value, out var ip) && ip.AddressFamily == AddressFamily.InterNetwork && value.Count(c => c == '.') == 3)
        {
            return ip;
        }

        errors.Add($"{key}: '{value}' is not an IPv4 address");
        return null;
    }

    /// <summary>The address as a host-order number.</summary>
    public static uint ToUInt32(IPAddress ip)
    {
        Span<byte> b = stackalloc byte[4];
        ip.TryWriteBytes(b, out _);
        return System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(b);
    }

    private static bool IsContiguousMask(IPAddress mask)
    {
        uint m = ToUInt32(mask);
        return m != 0 && (~m & (~m + 1)) == 0;
    }
}
