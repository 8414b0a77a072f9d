using System.Buffers.Binary;
using System.Net;
using PxeServer.Catalog.Planning;
using PxeServer.Protocols;
using PxeServer.Protocols.Dhcp;

namespace PxeServer.Dhcp.Tests;

/// <summary>Builds client requests the way real firmware shapes them.</summary>
internal sealed class RequestBuilder
{
    private readonly List<(DhcpOptionCode Code, byte[] Value)> _options = [];

    public RequestBuilder(DhcpMessageType type, string mac)
    {
        Type = type;
        Mac = MacAddress.Parse(mac);
    }

    public DhcpMessageType Type { get; }

    public MacAddress Mac { get; }

    public uint Xid { get; set; } = 0x11223344;

    public uint Ciaddr { get; set; }

    public uint Giaddr { get; set; }

    public bool BroadcastFlag { get; set; }

    public byte Op { get; set; } = 1;

    public RequestBuilder Option(DhcpOptionCode code, params byte[] value)
    {
        _options.Add((code, value));
        return this;
    }

    public RequestBuilder Text(DhcpOptionCode code, string value) => Option(code, System.Text.Encoding.ASCII.GetBytes(value));

    public RequestBuilder Address(DhcpOptionCode code, string ip) => Option(code, IPAddress.Parse(ip).GetAddressBytes());

    public RequestBuilder Arch(ClientArchitecture arch) => Option(DhcpOptionCode.ClientArchitecture, (byte)((ushort)arch >> 8), (byte)arch);

    public RequestBuilder Pxe(ClientArchitecture arch) =>
        Text(DhcpOptionCode.VendorClassIdentifier, $"PXEClient:Arch:{(ushort)arch:D5}:UNDI:003000").Arch(arch)
            .Option(DhcpOptionCode.ClientMachineId, [0, .. Enumerable.Range(1, 16).Select(i => (byte)i)]);

    public RequestBuilder Ipxe() => Text(DhcpOptionCode.UserClass, "iPXE").Option(DhcpOptionCode.IpxeEncapsulated, 0xB1, 1, 1);

    public byte[] Build()
    {
        var buffer = new byte[1500];
        var w = new DhcpWriter(buffer, buffer.Length);
        Span<byte> chaddr = stackalloc byte[6];
        Mac.WriteTo(chaddr);
        if (!w.TryWriteHeader(Op, Xid, 0, BroadcastFlag ? DhcpPacket.BroadcastFlag : (ushort)0, Ciaddr, 0, 0, Giaddr, 1, 6, chaddr, default, default))
        {
            throw new InvalidOperationException("header");
        }

        w.TryWriteOption(DhcpOptionCode.MessageType, (byte)Type);
        foreach (var (code, value) in _options)
        {
            w.TryWriteOption(code, value);
        }

        int n = w.WriteEnd();
        return buffer[..n];
    }

    public DhcpPacket Parse()
    {
        var p = new DhcpPacket();
        if (!p.TryParse(Build()))
        {
            throw new InvalidOperationException("built an unparsable request");
        }

        return p;
    }
}

/// <summary>A planner whose answer the test sets; records what it was asked.</summary>
internal sealed class FakePlanner : IBootPlanner
{
    public Func<BootRequest, BootDecision> Rule { get; set; } = ArchTable;

    public List<BootRequest> Requests { get; } = [];

    public BootDecision Decide(BootRequest request)
    {
        lock (Requests)
        {
            Requests.Add(request);
        }

        return Rule(request);
    }

    public bool TryGetVirtualFile(string path, IPAddress? client, out ReadOnlyMemory<byte> content)
    {
        content = default;
        return false;
    }

    public static BootDecision Boot(string file, IPAddress? reserved = null) =>
        new() { Outcome = BootOutcome.Boot, Reason = "test", BootFile = file, ReservedAddress = reserved, Profile = "lab" };

    /// <summary>The catalog's default table (docs/catalog.md).</summary>
    public static BootDecision ArchTable(BootRequest r)
    {
        if (r.Mac == MacAddress.Parse("00:00:00:00:00:99"))
        {
            return BootDecision.Ignored("unknown MAC");
        }

        if (r.IsIpxe)
        {
            return Boot($"ipxe/01-{r.Mac.ToString('-')}.ipxe");
        }

        return r.Architecture switch
        {
            null or ClientArchitecture.X86Bios => Boot("loaders/undionly.kpxe"),
            ClientArchitecture.X64Uefi or ClientArchitecture.X64UefiAlt => Boot("loaders/ipxe.efi"),
            ClientArchitecture.Arm64Uefi => Boot("loaders/arm64/ipxe.efi"),
            ClientArchitecture.X64UefiHttp => Boot("loaders/ipxe.efi"),
            ClientArchitecture.Arm64UefiHttp => Boot("http://images.example/arm64/ipxe.efi"),
            _ => new BootDecision { Outcome = BootOutcome.Refuse, Reason = "no loader for this architecture" },
        };
    }
}

internal static class Ip
{
    public static uint U(string ip) => BinaryPrimitives.ReadUInt32BigEndian(IPAddress.Parse(ip).GetAddressBytes());

    public static string S(uint ip) => $"{ip >> 24}.{(ip >> 16) & 0xFF}.{(ip >> 8) & 0xFF}.{ip & 0xFF}";
}
