using System.Net;
using System.Text;

namespace PxeServer.Dhcp;

/// <summary>The full-mode pool, parsed once from <see cref="DhcpPoolOptions"/> (validated before).</summary>
internal sealed class DhcpPool
{
    private DhcpPool()
    {
    }

    public uint First { get; private init; }

    public uint Last { get; private init; }

    public uint SubnetMask { get; private init; }

    public uint Router { get; private init; }

    public byte[] Dns { get; private init; } = [];

    public byte[] Domain { get; private init; } = [];

    public uint LeaseTimeSeconds { get; private init; }

    public uint Network => First & SubnetMask;

    public uint Broadcast => Network | ~SubnetMask;

    public bool InSubnet(uint address) => (address & SubnetMask) == Network;

    public static DhcpPool From(DhcpPoolOptions options)
    {
        var dns = new byte[options.Dns.Count * 4];
        for (int i = 0; i < options.Dns.Count; i++)
        {
            IPAddress.Parse(options.Dns[i]).TryWriteBytes(dns.AsSpan(i * 4), out _);
        }

        return new DhcpPool
        {
            First = DhcpPoolOptions.ToUInt32(IPAddress.Parse(options.Start!)),
            Last = DhcpPoolOptions.ToUInt32(IPAddress.Parse(options.End!)),
            SubnetMask = DhcpPoolOptions.ToUInt32(IPAddress.Parse(options.SubnetMask!)),
            Router = string.IsNullOrEmpty(options.Router) ? 0 : DhcpPoolOptions.ToUInt32(IPAddress.Parse(options.Router)),
            Dns = dns,
            Domain = string.IsNullOrEmpty(options.Domain) ? [] : Encoding.ASCII.GetBytes(options.Domain),
            LeaseTimeSeconds = (uint)options.LeaseTime,
        };
    }
}
