using System.Runtime.Versioning;
using PxeServer.Protocols.Dhcp;
using PxeServer.Testing;
using Xunit;

namespace PxeServer.Dhcp.Tests.Netns;

/// <summary>ProxyDHCP next to a plain dnsmasq on one segment, and listener start/coexistence rules.</summary>
[Trait("Category", "Netns")]
[SupportedOSPlatform("linux")]
public sealed class ProxyModeNetnsTests
{
    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(3);

    [Fact]
    public void ProxyNextToDnsmasq_NeverOffersAnAddress_AndAnswers4011ForBiosAndUefi()
    {
        string dnsmasq = Prerequisites.RequireTool("dnsmasq", "dnsmasq-base");
        string udhcpc = Prerequisites.RequireTool("udhcpc", "udhcpc");
        using var lab = new NetLab();

        // One segment: a bridge in ns "sw"; our proxy in "s" (10.77.0.1), dnsmasq in "d" (10.77.0.2), the client in "c".
        string sw = lab.Namespace("sw"), s = lab.Namespace("s"), d = lab.Namespace("d"), c = lab.Namespace("c");
        lab.Veth(s, "s0", sw, "ps");
        lab.Veth(d, "d0", sw, "pd");
        lab.Veth(c, "c0", sw, "pc");
        NetLab.Bridge(sw, "br0", "ps", "pd", "pc");
        NetLab.Address(s, "s0", "10.77.0.1/24");
        NetLab.Address(d, "d0", "10.77.0.2/24");

        lab.Start(d, dnsmasq, $"--no-daemon -C /dev/null --port=0 --interface=d0 --bind-interfaces --dhcp-range=10.77.0.100,10.77.0.150,255.255.255.0,1h " +
            $"--dhcp-leasefile={lab.Temp}/dnsmasq.leases --pid-file={lab.Temp}/dnsmasq.pid --log-dhcp");
        var proxy = lab.StartHarness(s, "--interface s0 --mode proxy");

        // A plain client: its address comes from dnsmasq, and nothing from us.
        string script = Path.Combine(lab.Temp, "udhcpc.sh");
        File.WriteAllText(script, "#!/bin/sh\necho \"EVENT $1 ip=$ip serverid=$serverid\"\n");
        File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var (code, output) = NetLab.Exec(c, udhcpc, $"-i c0 -f -q -n -t 5 -T 1 -s {script}");
        Assert.True(code == 0, output);
        Assert.Matches(@"EVENT bound ip=10\.77\.0\.1\d\d serverid=10\.77\.0\.2", output);

        NetLab.Address(c, "c0", "10.77.0.250/24");
        var all = new List<DhcpPacket>();
        using (var client = new CraftedClient(c, "c0"))
        {
            // BIOS PXE DISCOVER: both answer; ours is the proxy offer.
            client.Broadcast(new RequestBuilder(DhcpMessageType.Discover, "52:54:00:00:00:01") { Xid = 1, BroadcastFlag = true }
                .Pxe(ClientArchitecture.X86Bios).Build());
            // dnsmasq pings an address (~3 s) before it offers it; wait for both offers.
            var seen = new HashSet<uint>();
            var offers = client.Collect(TimeSpan.FromSeconds(10), p => p.TransactionId == 1 && seen.Add(p.ServerIdentifier) && seen.Count == 2)
                .Select(r => r.Packet).Where(p => p.TransactionId == 1).ToList();
            all.AddRange(offers);
            var ours = Assert.Single(offers, p => p.ServerIdentifier == Ip.U("10.77.0.1"));
            var theirs = Assert.Single(offers, p => p.ServerIdentifier == Ip.U("10.77.0.2"));
            Assert.Equal(DhcpMessageType.Offer, ours.MessageType);
            Assert.Equal(0u, ours.YourAddress);
            Assert.Equal(Ip.U("10.77.0.1"), ours.ServerAddress);
            Assert.True(ours.IsPxeClient);
            Assert.Equal("loaders/undionly.kpxe"u8.ToArray(), ours.BootFile.ToArray());
            Assert.True(ours.HasOption(DhcpOptionCode.VendorSpecific));
            Assert.NotEqual(0u, theirs.YourAddress);

            // UEFI DISCOVER: proxy offer without option 43.
            client.Broadcast(new RequestBuilder(DhcpMessageType.Discover, "52:54:00:00:00:02") { Xid = 2, BroadcastFlag = true }
                .Pxe(ClientArchitecture.X64Uefi).Build());
            seen.Clear();
            var uefi = client.Collect(TimeSpan.FromSeconds(10), p => p.TransactionId == 2 && seen.Add(p.ServerIdentifier) && seen.Count == 2)
                .Select(r => r.Packet).Where(p => p.TransactionId == 2).ToList();
            all.AddRange(uefi);
            var ourUefi = Assert.Single(uefi, p => p.ServerIdentifier == Ip.U("10.77.0.1"));
            Assert.Equal("loaders/ipxe.efi"u8.ToArray(), ourUefi.BootFile.ToArray());
            Assert.False(ourUefi.HasOption(DhcpOptionCode.VendorSpecific));

            // The REQUEST to dnsmasq on 67 is dnsmasq's business: we neither ACK nor NAK it.
            client.Broadcast(new RequestBuilder(DhcpMessageType.Request, "52:54:00:00:00:01") { Xid = 3, BroadcastFlag = true }
                .Pxe(ClientArchitecture.X86Bios).Option(DhcpOptionCode.RequestedAddress, CraftedClient.Be(theirs.YourAddress))
                .Address(DhcpOptionCode.ServerIdentifier, "10.77.0.2").Build());
            all.AddRange(client.Collect(TimeSpan.FromSeconds(1)).Select(r => r.Packet));

            // BIOS-shaped 4011 request from port 68 (iPXE), with boot item 0x8000.
            var bios = client.Exchange(new RequestBuilder(DhcpMessageType.Request, "52:54:00:00:00:01") { Xid = 4, Ciaddr = Ip.U("10.77.0.250") }
                .Pxe(ClientArchitecture.X86Bios).Ipxe().Option(DhcpOptionCode.VendorSpecific, 71, 4, 0x80, 0, 0, 0, 255), s_wait, unicastTo: "10.77.0.1", port: 4011);
            Assert.NotNull(bios);
            all.Add(bios);
            Assert.Equal(DhcpMessageType.Ack, bios.MessageType);
            Assert.Equal("ipxe/01-52-54-00-00-00-01.ipxe"u8.ToArray(), bios.BootFile.ToArray());
            Assert.True(bios.TryGetPxeBootItem(out ushort item, out _));
            Assert.Equal(0x8000, item);
        }

        // UEFI-shaped 4011 request from port 4011 (EDK2), no boot item: the ACK comes back to 4011.
        using (var edk2 = new CraftedClient(c, "c0", port: 4011))
        {
            var uefiAck = edk2.Exchange(new RequestBuilder(DhcpMessageType.Request, "52:54:00:00:00:02") { Xid = 5, Ciaddr = Ip.U("10.77.0.250") }
                .Pxe(ClientArchitecture.X64Uefi), s_wait, unicastTo: "10.77.0.1", port: 4011);
            Assert.NotNull(uefiAck);
            all.Add(uefiAck);
            Assert.Equal(DhcpMessageType.Ack, uefiAck.MessageType);
            Assert.Equal("loaders/ipxe.efi"u8.ToArray(), uefiAck.BootFile.ToArray());
            Assert.Equal(Ip.U("10.77.0.1"), uefiAck.ServerAddress);
        }

        var fromUs = all.Where(p => p.ServerIdentifier == Ip.U("10.77.0.1")).ToList();
        Assert.NotEmpty(fromUs);
        Assert.All(fromUs, p =>
        {
            Assert.Equal(0u, p.YourAddress);
            Assert.NotEqual(DhcpMessageType.Nak, p.MessageType);
        });
        Assert.DoesNotContain(all, p => p.ServerIdentifier == Ip.U("10.77.0.1") && p.TransactionId == 3);
        Assert.False(proxy.Process.HasExited, proxy.Output);
    }

    [Fact]
    public void Start_PortTakenOnOtherInterface_Coexists_SameInterface_FailsWithOneLine()
    {
        using var lab = new NetLab();
        string s = lab.Namespace("s"), p = lab.Namespace("p");
        lab.Veth(s, "s0", p, "p0");
        lab.Veth(s, "s1", p, "p1");
        NetLab.Address(s, "s0", "10.77.0.1/24");
        NetLab.Address(s, "s1", "10.78.0.1/24");

        // "Another process" holding 67 on s1 only (bound to the device, without SO_REUSEADDR).
        using (var other = NetLab.Udp(s, "s1", 67, reuse: false))
        {
            var ok = lab.StartHarness(s, "--interface s0 --mode proxy");
            Assert.Contains("dhcp", ok.Output, StringComparison.Ordinal);
            Assert.Contains("on s0", ok.Output, StringComparison.Ordinal);

            var busy = lab.StartHarness(s, "--interface s1 --mode proxy", expectReady: false);
            Assert.True(busy.WaitExit(TimeSpan.FromSeconds(30)));
            Assert.Equal(1, busy.Process.ExitCode);
            Assert.Contains("START FAILED: port 67 on s1 is in use by another process", busy.Output, StringComparison.Ordinal);
            ok.Kill9();
        }

        var missing = lab.StartHarness(s, "--interface nosuch0 --mode proxy", expectReady: false);
        Assert.True(missing.WaitExit(TimeSpan.FromSeconds(30)));
        Assert.Contains("START FAILED: no interface named nosuch0", missing.Output, StringComparison.Ordinal);

        // Several interfaces at once: one pair of sockets each, each answering with its own address.
        var both = lab.StartHarness(s, "--interface s0 --interface s1 --mode proxy");
        Assert.Contains("proxydhcp udp 0.0.0.0:67 on s0", both.Output, StringComparison.Ordinal);
        Assert.Contains("proxydhcp udp 0.0.0.0:67 on s1", both.Output, StringComparison.Ordinal);
        NetLab.Address(p, "p1", "10.78.0.9/24");
        using var client = new CraftedClient(p, "p1");
        var offer = client.Exchange(new RequestBuilder(DhcpMessageType.Discover, "52:54:00:00:00:03") { Xid = 9, BroadcastFlag = true }
            .Pxe(ClientArchitecture.X64Uefi), s_wait);
        Assert.NotNull(offer);
        Assert.Equal(Ip.U("10.78.0.1"), offer.ServerIdentifier);
        Assert.Equal(Ip.U("10.78.0.1"), offer.ServerAddress);
    }

    [Fact]
    public async Task InProcess_NoSuchInterface_ThrowsListenerStartException()
    {
        var server = new DhcpServer(
            Microsoft.Extensions.Options.Options.Create(new DhcpOptions { Mode = DhcpMode.Proxy }),
            Microsoft.Extensions.Options.Options.Create(new Transport.ServerOptions { Interface = "pxnope9" }),
            new FakePlanner(),
            Microsoft.Extensions.Logging.Abstractions.NullLogger<DhcpServer>.Instance,
            TimeProvider.System);
        var e = await Assert.ThrowsAsync<Transport.ListenerStartException>(() => server.StartAsync(TestContext.Current.CancellationToken));
        Assert.Equal("no interface named pxnope9", e.Message);
        Assert.Empty(server.Listeners);
    }

    [Fact]
    public async Task InProcess_ModeOff_DoesNothing()
    {
        var server = new DhcpServer(
            Microsoft.Extensions.Options.Options.Create(new DhcpOptions { Mode = DhcpMode.Off }),
            Microsoft.Extensions.Options.Options.Create(new Transport.ServerOptions()),
            new FakePlanner(),
            Microsoft.Extensions.Logging.Abstractions.NullLogger<DhcpServer>.Instance,
            TimeProvider.System);
        await server.StartAsync(TestContext.Current.CancellationToken);
        Assert.Empty(server.Listeners);
        await server.StopAsync(TestContext.Current.CancellationToken);
    }

}
