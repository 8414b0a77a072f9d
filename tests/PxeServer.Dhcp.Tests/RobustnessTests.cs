using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using PxeServer.Catalog.Planning;
using PxeServer.Protocols.Dhcp;
using PxeServer.Transport;
using Xunit;

namespace PxeServer.Dhcp.Tests;

public sealed class RobustnessTests
{
    [Fact]
    public void Respond_AnyParsableMutation_NeverThrows()
    {
        var planner = new FakePlanner();
        var full = new DhcpResponder(DhcpMode.Full, DhcpPool.From(new DhcpPoolOptions { Start = "10.0.0.100", End = "10.0.0.110", SubnetMask = "255.255.255.0" }),
            planner, new FakeTimeProvider(), NullLogger.Instance);
        var proxy = new DhcpResponder(DhcpMode.Proxy, null, planner, new FakeTimeProvider(), NullLogger.Instance);
        var seeds = new[]
        {
            new RequestBuilder(DhcpMessageType.Discover, "de:00:00:00:00:de").Pxe(ClientArchitecture.X86Bios).Ipxe().Build(),
            new RequestBuilder(DhcpMessageType.Request, "de:00:00:00:00:de") { Ciaddr = Ip.U("10.0.0.101") }.Pxe(ClientArchitecture.X64Uefi)
                .Address(DhcpOptionCode.ServerIdentifier, "10.0.0.1").Address(DhcpOptionCode.RequestedAddress, "10.0.0.101").Build(),
        };
        var rng = new Random(7);
        var packet = new DhcpPacket();
        var reply = new byte[1500];
        int replies = 0;
        for (int i = 0; i < 20_000; i++)
        {
            var bytes = (byte[])seeds[i % 2].Clone();
            for (int f = rng.Next(1, 6); f > 0; f--)
            {
                bytes[rng.Next(bytes.Length)] = (byte)rng.Next(256);
            }

            if (!packet.TryParse(bytes))
            {
                continue;
            }

            bool bootServer = rng.Next(3) == 0;
            var ctx = new DhcpReceiveContext(Ip.U("10.0.0.1"), bootServer ? 4011 : 67, Ip.U("10.0.0.101"), 68, bootServer);
            foreach (var r in new[] { full, proxy })
            {
                var response = r.Respond(packet, ctx, reply);
                if (response.Length > 0)
                {
                    replies++;
                    Assert.True(new DhcpPacket().TryParse(reply.AsSpan(0, response.Length)), "a reply we wrote does not parse");
                }
            }
        }

        Assert.True(replies > 0);
    }

    [Fact]
    public void AddPxeDhcp_RegistersOneServerAsHostedServiceAndListenerSource()
    {
        var services = new ServiceCollection();
        services.AddPxeDhcp();
        var server = new DhcpServer(Options.Create(new DhcpOptions { Mode = DhcpMode.Off }), Options.Create(new ServerOptions()),
            new FakePlanner(), NullLogger<DhcpServer>.Instance, TimeProvider.System);
        var provider = new OneServiceProvider(server);

        var self = Assert.Single(services, d => d.ServiceType == typeof(DhcpServer));
        Assert.Equal(ServiceLifetime.Singleton, self.Lifetime);
        var hosted = Assert.Single(services, d => d.ServiceType == typeof(IHostedService));
        Assert.Same(server, hosted.ImplementationFactory!(provider));
        var listeners = Assert.Single(services, d => d.ServiceType == typeof(IListenerSource));
        Assert.Same(server, listeners.ImplementationFactory!(provider));
        Assert.Contains(services, d => d.ServiceType == typeof(TimeProvider));
    }

    private sealed class OneServiceProvider(DhcpServer server) : IServiceProvider
    {
        public object? GetService(Type serviceType) => serviceType == typeof(DhcpServer) ? server : null;
    }
}
