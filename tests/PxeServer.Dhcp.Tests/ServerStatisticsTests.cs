using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using PxeServer.Protocols.Dhcp;
using PxeServer.Transport;
using Xunit;

namespace PxeServer.Dhcp.Tests;

/// <summary>The real receive loop on loopback (unprivileged ports): counting, and stopping while a receive is blocked.</summary>
public sealed class ServerStatisticsTests
{
    [Fact]
    public async Task Statistics_CountReceivedMalformedAndUnanswered_ThenStopReleasesThePorts()
    {
        int port = FreeUdpPort(), proxyPort = FreeUdpPort();
        var server = new DhcpServer(
            Options.Create(new DhcpOptions { Mode = DhcpMode.Proxy, Port = port, ProxyPort = proxyPort }),
            Options.Create(new ServerOptions { Address = "127.0.0.1" }),
            new FakePlanner(),
            NullLogger<DhcpServer>.Instance,
            TimeProvider.System);
        await server.StartAsync(TestContext.Current.CancellationToken);
        try
        {
            using var client = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            var to = new IPEndPoint(IPAddress.Loopback, port);
            client.SendTo(new byte[] { 1, 2, 3 }, to);                                                        // malformed
            client.SendTo(new RequestBuilder(DhcpMessageType.Discover, "02:00:00:00:00:01") { Xid = 7 }.Build(), to); // not PXE: silence

            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
            static long Settled(DhcpStatistics s) => s.Malformed + s.Dropped + s.Replied; // Received counts first, then the outcome
            while (Settled(server.Statistics) < 2 && DateTime.UtcNow < deadline)
            {
                await Task.Delay(20, TestContext.Current.CancellationToken);
            }

            var stats = server.Statistics;
            Assert.Equal(2, stats.Received);
            Assert.Equal(1, stats.Malformed);
            Assert.Equal(1, stats.Dropped);
            Assert.Equal(0, stats.Replied);
            Assert.Equal(0, stats.LeaseChangesCommitted);
        }
        finally
        {
            // The receive threads are blocked in a receive: stopping must still end them and close the sockets.
            await server.StopAsync(TestContext.Current.CancellationToken);
        }

        Assert.Empty(server.Listeners);
        using var again = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        again.Bind(new IPEndPoint(IPAddress.Any, port));
    }

    private static int FreeUdpPort()
    {
        using var s = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        s.Bind(new IPEndPoint(IPAddress.Any, 0));
        return ((IPEndPoint)s.LocalEndPoint!).Port;
    }
}
