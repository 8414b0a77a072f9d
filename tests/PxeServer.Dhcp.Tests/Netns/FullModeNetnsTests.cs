using System.Buffers.Binary;
using System.Diagnostics;
using System.Security.Cryptography;
using PxeServer.Dhcp.Leases;
using PxeServer.Protocols;
using PxeServer.Protocols.Dhcp;
using PxeServer.Testing;
using System.Runtime.Versioning;
using Xunit;

namespace PxeServer.Dhcp.Tests.Netns;

/// <summary>Full mode against real clients and crafted packets, server out of process, in namespaces the test owns.</summary>
[Trait("Category", "Netns")]
[SupportedOSPlatform("linux")]
public sealed class FullModeNetnsTests
{
    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(3);

    // server ns "s" (s0 10.77.0.1/24) <-veth-> client ns "c" (c0, no address unless a test adds one).
    private static (NetLab Lab, string S, string C) DirectLab()
    {
        var lab = new NetLab();
        string s = lab.Namespace("s"), c = lab.Namespace("c");
        lab.Veth(s, "s0", c, "c0");
        NetLab.Address(s, "s0", "10.77.0.1/24");
        return (lab, s, c);
    }

    private static string FullArgs(NetLab lab, string pool = "10.77.0.100 10.77.0.150") =>
        $"--interface s0 --mode full --pool {pool} 255.255.255.0 --router 10.77.0.1 --lease-store {lab.Temp}/leases.db";

    [Fact]
    public void Udhcpc_Dhclient_Nmap_GetAnAddressAndTheBootFile()
    {
        string udhcpc = Prerequisites.RequireTool("udhcpc", "udhcpc");
        string dhclient = Prerequisites.RequireTool("dhclient", "isc-dhcp-client");
        string nmap = Prerequisites.RequireTool("nmap", "nmap");
        var (lab, s, c) = DirectLab();
        using (lab)
        {
            var server = lab.StartHarness(s, FullArgs(lab));

            string script = Path.Combine(lab.Temp, "udhcpc.sh");
            File.WriteAllText(script, "#!/bin/sh\necho \"EVENT $1 ip=$ip siaddr=$siaddr boot_file=$boot_file serverid=$serverid\"\n");
            File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            var (code, output) = NetLab.Exec(c, udhcpc, $"-i c0 -f -q -n -t 4 -T 1 -s {script}");
            Assert.True(code == 0, output + server.Output);
            Assert.Matches(@"EVENT bound ip=10\.77\.0\.1\d\d siaddr=10\.77\.0\.1 boot_file=loaders/undionly\.kpxe serverid=10\.77\.0\.1", output);

            string leases = Path.Combine(lab.Temp, "dhclient.leases");
            (code, output) = NetLab.Exec(c, dhclient, $"-1 -v -lf {leases} -pf {lab.Temp}/dhclient.pid -sf /bin/true c0");
            Assert.True(code == 0, output + server.Output);
            string lease = File.ReadAllText(leases);
            Assert.Matches(@"fixed-address 10\.77\.0\.1\d\d;", lease);
            Assert.Contains("filename \"loaders/undionly.kpxe\";", lease, StringComparison.Ordinal);
            Assert.Contains("option dhcp-server-identifier 10.77.0.1;", lease, StringComparison.Ordinal);

            // nmap's broadcast script needs an address on the interface it sends from.
            NetLab.Address(c, "c0", "10.77.0.250/24");
            (code, output) = NetLab.Exec(c, nmap, "--script broadcast-dhcp-discover --script-args broadcast-dhcp-discover.timeout=3 -e c0");
            Assert.True(code == 0, output);
            Assert.Matches(@"IP Offered: 10\.77\.0\.1\d\d", output);
            Assert.Contains("Server Identifier: 10.77.0.1", output, StringComparison.Ordinal);
            Assert.Contains("Bootfile Name: loaders/undionly.kpxe", output, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void StalledLeaseCommit_OffersStillFlow_AckWaitsUntilDurable()
    {
        var (lab, s, c) = DirectLab();
        using (lab)
        {
            NetLab.Address(c, "c0", "10.77.0.250/24");
            string db = Path.Combine(lab.Temp, "leases.db");
            var server = lab.StartHarness(s, FullArgs(lab));
            using var client = new CraftedClient(c, "c0");
            const string m1 = "02:00:00:00:01:01", m2 = "02:00:00:00:01:02";
            var offer1 = client.Exchange(new RequestBuilder(DhcpMessageType.Discover, m1) { Xid = 10, BroadcastFlag = true }, s_wait);
            Assert.True(offer1 is not null, server.Output);

            // Another writer holds the database's write lock: the server's next commit cannot become durable.
            using var blocker = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={db};Pooling=False");
            blocker.Open();
            using (var begin = blocker.CreateCommand())
            {
                begin.CommandText = "BEGIN IMMEDIATE;";
                begin.ExecuteNonQuery();
            }

            client.Broadcast(new RequestBuilder(DhcpMessageType.Request, m1) { Xid = 11, BroadcastFlag = true }
                .Option(DhcpOptionCode.RequestedAddress, CraftedClient.Be(offer1.YourAddress)).Address(DhcpOptionCode.ServerIdentifier, "10.77.0.1").Build());

            // While that ACK waits on the store, the receive path keeps answering other clients...
            client.Broadcast(new RequestBuilder(DhcpMessageType.Discover, m2) { Xid = 20, BroadcastFlag = true }.Build());
            var whileStalled = client.Collect(s_wait, p => p.TransactionId == 20);
            Assert.Contains(whileStalled, r => r.Packet.TransactionId == 20 && r.Packet.MessageType == DhcpMessageType.Offer);

            // ...and the ACK does not leave before its lease is durable.
            whileStalled.AddRange(client.Collect(TimeSpan.FromMilliseconds(700)));
            Assert.DoesNotContain(whileStalled, r => r.Packet.TransactionId == 11);

            using (var rollback = blocker.CreateCommand())
            {
                rollback.CommandText = "ROLLBACK;";
                rollback.ExecuteNonQuery();
            }

            var after = client.Collect(TimeSpan.FromSeconds(10), p => p.TransactionId == 11);
            Assert.Contains(after, r => r.Packet.TransactionId == 11 && r.Packet.MessageType == DhcpMessageType.Ack && r.Packet.YourAddress == offer1.YourAddress);
            using var store = new SqliteLeaseStore(db);
            Assert.Contains(store.LoadAll(), r => r.Address == offer1.YourAddress && r.State == LeaseState.Bound && r.Mac == MacAddress.Parse(m1).Value);
        }
    }

    [Fact]
    public void RenewReleaseDecline_AreHonouredAndPersisted()
    {
        var (lab, s, c) = DirectLab();
        using (lab)
        {
            NetLab.Address(c, "c0", "10.77.0.250/24");
            var server = lab.StartHarness(s, FullArgs(lab, "10.77.0.100 10.77.0.102"));
            using var client = new CraftedClient(c, "c0");
            const string m1 = "02:00:00:00:00:01", m2 = "02:00:00:00:00:02", m3 = "02:00:00:00:00:03";

            uint a1 = client.Dora(m1, 100, "10.77.0.1", s_wait);
            Assert.True(a1 != 0, server.Output);

            // RENEWING: unicast to the server, ciaddr set; the ACK comes back unicast to ciaddr.
            NetLab.Address(c, "c0", Ip.S(a1) + "/24");
            var renew = client.Exchange(new RequestBuilder(DhcpMessageType.Request, m1) { Xid = 200, Ciaddr = a1 }, s_wait, unicastTo: "10.77.0.1");
            Assert.NotNull(renew);
            Assert.Equal(DhcpMessageType.Ack, renew.MessageType);
            Assert.Equal(a1, renew.YourAddress);

            // RELEASE: no reply, lease row marked released.
            client.SendTo(new RequestBuilder(DhcpMessageType.Release, m1) { Xid = 300, Ciaddr = a1 }.Address(DhcpOptionCode.ServerIdentifier, "10.77.0.1").Build(), "10.77.0.1", 67);

            // DECLINE: the address is quarantined.
            uint a2 = client.Dora(m2, 400, "10.77.0.1", s_wait);
            Assert.True(a2 != 0);
            client.Broadcast(new RequestBuilder(DhcpMessageType.Decline, m2) { Xid = 500 }
                .Option(DhcpOptionCode.RequestedAddress, CraftedClient.Be(a2)).Address(DhcpOptionCode.ServerIdentifier, "10.77.0.1").Build());
            Thread.Sleep(300);
            var offer2 = client.Exchange(new RequestBuilder(DhcpMessageType.Discover, m2) { Xid = 600, BroadcastFlag = true }, s_wait);
            Assert.NotNull(offer2);
            Assert.NotEqual(a2, offer2.YourAddress);
            var offer3 = client.Exchange(new RequestBuilder(DhcpMessageType.Discover, m3) { Xid = 700, BroadcastFlag = true }, s_wait);
            Assert.NotNull(offer3);
            Assert.NotEqual(a2, offer3.YourAddress);

            using var store = new SqliteLeaseStore(Path.Combine(lab.Temp, "leases.db"));
            var rows = store.LoadAll();
            Assert.Contains(rows, r => r.Address == a1 && r.State == LeaseState.Released && r.Mac == MacAddress.Parse(m1).Value);
            Assert.Contains(rows, r => r.Address == a2 && r.State == LeaseState.Declined);
        }
    }

    [Fact]
    public void Kill9_LosesNoAckedLease()
    {
        var (lab, s, c) = DirectLab();
        using (lab)
        {
            NetLab.Address(c, "c0", "10.77.0.250/24");
            var server = lab.StartHarness(s, FullArgs(lab, "10.77.0.100 10.77.0.199"));
            using var client = new CraftedClient(c, "c0");
            var acked = new Dictionary<string, uint>();
            for (int i = 0; i < 40; i++)
            {
                string mac = $"02:00:00:00:01:{i:x2}";
                uint a = client.Dora(mac, (uint)(1000 + (10 * i)), "10.77.0.1", s_wait);
                Assert.True(a != 0, server.Output);
                acked[mac] = a;
            }

            server.Kill9(); // right after the last ACK arrived
            var restarted = lab.StartHarness(s, FullArgs(lab, "10.77.0.100 10.77.0.199"));
            Assert.Contains("Loaded 40 lease(s)", restarted.Output, StringComparison.Ordinal);
            uint xid = 5000;
            foreach (var (mac, address) in acked)
            {
                // INIT-REBOOT: the client asks for its address back without a server id.
                var ack = client.Exchange(new RequestBuilder(DhcpMessageType.Request, mac) { Xid = xid++, BroadcastFlag = true }
                    .Option(DhcpOptionCode.RequestedAddress, CraftedClient.Be(address)), s_wait);
                Assert.NotNull(ack);
                Assert.Equal(DhcpMessageType.Ack, ack.MessageType);
                Assert.Equal(address, ack.YourAddress);
            }

            var fresh = client.Exchange(new RequestBuilder(DhcpMessageType.Discover, "02:00:00:00:02:00") { Xid = 9000, BroadcastFlag = true }, s_wait);
            Assert.NotNull(fresh);
            Assert.DoesNotContain(fresh.YourAddress, acked.Values);
        }
    }

    [Fact]
    public void MalformedOversizedAndFlood_KnownClientStillAnsweredWithin1s()
    {
        var (lab, s, c) = DirectLab();
        using (lab)
        {
            NetLab.Address(c, "c0", "10.77.0.250/24");
            const string known = "02:00:00:00:00:aa";
            var server = lab.StartHarness(s, FullArgs(lab, "10.77.0.100 10.77.0.149") + $" --reserve {known}=10.77.0.10 --log warning");
            using var client = new CraftedClient(c, "c0");

            // Malformed and oversized datagrams: each is dropped, none stops the server.
            var good = new RequestBuilder(DhcpMessageType.Discover, "02:00:00:00:00:bb").Build();
            for (int n = 0; n < good.Length; n += 7)
            {
                client.Broadcast(good[..n]);
            }

            var badCookie = (byte[])good.Clone();
            badCookie[DhcpPacket.CookieOffset] ^= 0xFF;
            client.Broadcast(badCookie);
            var badLength = (byte[])good.Clone();
            badLength[DhcpPacket.OptionsOffset + 1] = 250; // option 53 claims 250 bytes
            client.Broadcast(badLength);
            var hlen = (byte[])good.Clone();
            hlen[DhcpPacket.HlenOffset] = 200;
            client.Broadcast(hlen);
            var oversized = new byte[12_000];
            good.CopyTo(oversized, 0);
            client.Broadcast(oversized);
            client.Broadcast(RandomNumberGenerator.GetBytes(600));

            // 2,000 DISCOVERs from random MACs, as fast as the socket takes them.
            Span<byte> macBytes = stackalloc byte[6];
            for (int i = 0; i < 2000; i++)
            {
                RandomNumberGenerator.Fill(macBytes);
                macBytes[0] = (byte)((macBytes[0] & 0xFE) | 0x02);
                client.Broadcast(new RequestBuilder(DhcpMessageType.Discover, new MacAddress(macBytes).ToString()) { Xid = (uint)i, BroadcastFlag = true }.Build());
            }

            var watch = Stopwatch.StartNew();
            client.Broadcast(new RequestBuilder(DhcpMessageType.Discover, known) { Xid = 0xABCDEF, BroadcastFlag = true }.Build());
            var replies = client.Collect(TimeSpan.FromSeconds(1), p => p.TransactionId == 0xABCDEF);
            watch.Stop();
            var offer = replies.Select(r => r.Packet).FirstOrDefault(p => p.TransactionId == 0xABCDEF);
            Assert.True(offer is not null, $"no offer for the known client within 1 s ({replies.Count} other replies)\n{server.Output}");
            Assert.Equal(BinaryPrimitives.ReadUInt32BigEndian([10, 77, 0, 10]), offer.YourAddress);
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(1), $"took {watch.Elapsed}");
            Assert.False(server.Process.HasExited, server.Output);
        }
    }
}
