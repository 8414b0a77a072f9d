using System.Net;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Logging.Abstractions;
using PxeServer.Catalog.Planning;
using PxeServer.Dhcp;
using PxeServer.Protocols;
using PxeServer.Protocols.Dhcp;

namespace PxeServer.Benchmarks.Dhcp;

/// <summary>Parse, write and decide one DHCP message, socket-free. Parse and write must allocate 0 B.</summary>
[MemoryDiagnoser]
public class DhcpBenchmarks
{
    private const int Ops = 1000;
    private readonly DhcpPacket _packet = new();
    private readonly byte[] _reply = new byte[1500];
    private byte[] _discover = [];
    private byte[] _request = [];
    private DhcpResponder _proxy = null!;
    private DhcpResponder _full = null!;

    [GlobalSetup]
    public void Setup()
    {
        _discover = Build(DhcpMessageType.Discover, serverId: false);
        _request = Build(DhcpMessageType.Request, serverId: true);
        var planner = new CachedPlanner();
        _proxy = new DhcpResponder(DhcpMode.Proxy, null, planner, TimeProvider.System, NullLogger.Instance);
        _full = new DhcpResponder(DhcpMode.Full, DhcpPool.From(new DhcpPoolOptions { Start = "10.0.1.0", End = "10.0.255.254", SubnetMask = "255.255.0.0" }),
            planner, TimeProvider.System, NullLogger.Instance);
    }

    [Benchmark(OperationsPerInvoke = Ops)]
    public int ParseDiscover()
    {
        int n = 0;
        for (int i = 0; i < Ops; i++)
        {
            n += _packet.TryParse(_discover) ? 1 : 0;
        }

        return n;
    }

    [Benchmark(OperationsPerInvoke = Ops)]
    public int WriteOffer()
    {
        int n = 0;
        for (int i = 0; i < Ops; i++)
        {
            var w = new DhcpWriter(_reply, 1472);
            w.TryWriteHeader(2, 1, 0, 0, 0, 0x0A000164, 0x0A000001, 0, 1, 6, [0xDE, 0, 0, 0, 0, 0xDE], default, "loaders/undionly.kpxe"u8);
            w.TryWriteOption(DhcpOptionCode.MessageType, (byte)DhcpMessageType.Offer);
            w.TryWriteUInt32(DhcpOptionCode.ServerIdentifier, 0x0A000001);
            w.TryWriteUInt32(DhcpOptionCode.LeaseTime, 3600);
            w.TryWriteUInt32(DhcpOptionCode.SubnetMask, 0xFFFFFF00);
            w.TryWriteOption(DhcpOptionCode.VendorClassIdentifier, "PXEClient"u8);
            w.TryWriteOption(DhcpOptionCode.BootFileName, "loaders/undionly.kpxe"u8);
            n += w.WriteEnd();
        }

        return n;
    }

    [Benchmark(OperationsPerInvoke = Ops)]
    public int ProxyOffer()
    {
        int n = 0;
        var ctx = new DhcpReceiveContext(0x0A000001, 67, 0, 68, false);
        _packet.TryParse(_discover);
        for (int i = 0; i < Ops; i++)
        {
            n += _proxy.Respond(_packet, ctx, _reply).Length;
        }

        return n;
    }

    [Benchmark(OperationsPerInvoke = Ops)]
    public int FullRequestAck()
    {
        int n = 0;
        var ctx = new DhcpReceiveContext(0x0A000001, 67, 0, 68, false);
        _packet.TryParse(_request);
        for (int i = 0; i < Ops; i++)
        {
            n += _full.Respond(_packet, ctx, _reply).Length;
        }

        return n;
    }

    private static byte[] Build(DhcpMessageType type, bool serverId)
    {
        var buffer = new byte[600];
        var w = new DhcpWriter(buffer, buffer.Length);
        w.TryWriteHeader(1, 0x12345678, 0, DhcpPacket.BroadcastFlag, 0, 0, 0, 0, 1, 6, [0xDE, 0, 0, 0, 0, 0xDE], default, default);
        w.TryWriteOption(DhcpOptionCode.MessageType, (byte)type);
        w.TryWriteUInt16(DhcpOptionCode.MaxMessageSize, 1472);
        w.TryWriteOption(DhcpOptionCode.ParameterRequestList, [1, 3, 6, 15, 43, 60, 66, 67]);
        w.TryWriteOption(DhcpOptionCode.ClientMachineId, new byte[17]);
        w.TryWriteOption(DhcpOptionCode.ClientNetworkInterface, [1, 3, 0]);
        w.TryWriteUInt16(DhcpOptionCode.ClientArchitecture, 0);
        w.TryWriteOption(DhcpOptionCode.VendorClassIdentifier, "PXEClient:Arch:00000:UNDI:002001"u8);
        w.TryWriteOption(DhcpOptionCode.UserClass, "iPXE"u8);
        if (serverId)
        {
            w.TryWriteUInt32(DhcpOptionCode.RequestedAddress, 0x0A000164);
            w.TryWriteUInt32(DhcpOptionCode.ServerIdentifier, 0x0A000001);
        }

        return buffer[..w.WriteEnd()];
    }

    private sealed class CachedPlanner : IBootPlanner
    {
        private readonly BootDecision _decision = new() { Outcome = BootOutcome.Boot, Reason = "bench", BootFile = "ipxe/01-de-00-00-00-00-de.ipxe" };

        public BootDecision Decide(BootRequest request) => _decision;

        public bool TryGetVirtualFile(string path, IPAddress? client, out ReadOnlyMemory<byte> content)
        {
            content = default;
            return false;
        }
    }
}
