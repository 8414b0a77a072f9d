using System.Globalization;
using PxeServer.EndToEndTests.Harness;
using Xunit;

namespace PxeServer.EndToEndTests;

/// <summary>
/// Real firmware PXE-boots the sample lab-linux profile through a VLAN access port (issue 7). The server under test
/// is ours (`pxe serve`) unless LAB_E2E_SERVER=dnsmasq, which runs the same cases against the dnsmasq reference.
/// Root, QEMU (TCG), dnsmasq, tcpdump and network access for `apt-get download` on first run are needed.
/// </summary>
[Collection(LabCollection.Name)]
[Trait("Category", "EndToEnd")]
public sealed class PxeBootTests
{
    private const string ProfileCmdlineToken = "lab.profile=lab-linux";
    private const string BootIf = "BOOTIF=01-de-00-00-00-00-de";
    private readonly LabFixture _lab;

    public PxeBootTests(LabFixture lab) => _lab = lab;

    [Fact(Timeout = 360_000)]
    public Task Bios_FullDhcp_BootsLabLinux() => PositiveAsync("bios", "full");

    [Fact(Timeout = 360_000)]
    public Task Bios_ProxyDhcp_BootsLabLinux() => PositiveAsync("bios", "proxy");

    [Fact(Timeout = 360_000)]
    public Task Uefi_FullDhcp_BootsLabLinux() => PositiveAsync("uefi", "full");

    [Fact(Timeout = 360_000)]
    public Task Uefi_ProxyDhcp_BootsLabLinux() => PositiveAsync("uefi", "proxy");

    [Fact(Timeout = 360_000)]
    public Task OvmfNative_ProxyDhcp_BootsLabLinux() => PositiveAsync("ovmf-native", "proxy");

    [Fact(Timeout = 180_000)]
    public async Task UnknownMac_GetsNoBootFile()
    {
        var r = await RunAsync(new BootCase("bios", "full") { Mac = "de:00:00:00:00:ad", Window = TimeSpan.FromSeconds(30) });
        string why = r.Diagnostics();
        Assert.True(r.ClientWire.Any(p => p.Kind == WireKind.DhcpRequest && p.ClientMac == "de:00:00:00:00:ad"),
            "the client never sent a DHCP request: the test saw nothing to refuse\n" + why);
        Assert.Null(r.MarkerLine);
        Assert.DoesNotContain(r.ClientWire, p => p.IsDhcpReply && p.ClientMac == "de:00:00:00:00:ad" && p.BootFile is { Length: > 0 });
        Assert.DoesNotContain(r.ClientWire, p => p.Kind == WireKind.TftpRead);
        if (r.Case.Server == "ours")
        {
            // dhcp.unknownClients: ignore -> the server stays silent (docs/catalog.md).
            Assert.True(!r.ClientWire.Any(p => p.IsDhcpReply && p.Source.Equals(r.ServerAddress)), "our server answered an unknown MAC\n" + why);
        }
    }

    [Fact(Timeout = 180_000)]
    public async Task ServerOnWrongVlan_SeesNothing()
    {
        var r = await RunAsync(new BootCase("bios", "full") { ServerNamespace = "wrong", Window = TimeSpan.FromSeconds(25) });
        string why = r.Diagnostics();
        Assert.True(r.ClientWire.Count(p => p.Kind == WireKind.DhcpRequest) >= 2,
            "the client never broadcast on VLAN 10: the test proves nothing\n" + why);
        Assert.True(!r.WrongVlanWire.Any(p => p.ClientMac == BootRun.LabMac),
            $"the server's port on VLAN {_lab.Env["LAB_WRONG_VLAN"]} saw the client's DHCP (VLANs leak)\n" + why);
        Assert.True(!r.ClientWire.Any(p => p.IsDhcpReply), "the client got a DHCP reply across VLANs\n" + why);
        Assert.Null(r.MarkerLine);
    }

    private async Task PositiveAsync(string firmware, string mode)
    {
        var r = await RunAsync(new BootCase(firmware, mode));
        string why = r.Diagnostics();
        Assert.True(r.MarkerLine is not null, "no PXE-LAB-MARKER on the serial console\n" + why);
        Assert.Equal(BootRun.LabMac, r.MarkerMac);
        Assert.True(r.Cmdline!.Contains(ProfileCmdlineToken, StringComparison.Ordinal), $"profile command line missing: {r.Cmdline}\n" + why);
        Assert.True(r.Cmdline.Contains("console=ttyS0,115200", StringComparison.Ordinal), $"profile command line missing: {r.Cmdline}");
        Assert.True(r.Cmdline.Contains(BootIf, StringComparison.Ordinal), $"BOOTIF missing: {r.Cmdline}");
        Assert.True(r.FirstTftpRead is not null, "no TFTP read on the wire\n" + why);
        Assert.True(r.IpAddr?.Contains("link/ether " + BootRun.LabMac, StringComparison.Ordinal) == true, "ip addr does not show the MAC\n" + why);
        if (mode == "proxy")
        {
            // ProxyDHCP never hands out an address and never NAKs: its OFFERs carry yiaddr 0.0.0.0, and its ACKs on
            // port 4011 at most echo the address the VLAN's own DHCP server leased (the client's ciaddr).
            var dhcpServer = System.Net.IPAddress.Parse(_lab.Env["DHCP_ADDR"]);
            var leased = r.ClientWire.Where(p => p.IsDhcpReply && p.Source.Equals(dhcpServer)).Select(p => p.YourAddress).ToHashSet();
            var leaked = r.ClientWire.Where(p => p.IsDhcpReply && p.Source.Equals(r.ServerAddress) && (p.DhcpMessageType == 6 ||
                (p.YourAddress is { } y && !y.Equals(System.Net.IPAddress.Any) && (p.DhcpMessageType == 2 || !leased.Contains(y))))).ToList();
            Assert.True(leaked.Count == 0, "the ProxyDHCP server offered an address or NAKed:\n" + string.Join('\n', leaked) + "\n" + why);
            Assert.Contains(r.ClientWire, p => p.IsDhcpReply && p.Source.Equals(System.Net.IPAddress.Parse(_lab.Env["DHCP_ADDR"])));
        }
    }

    private async Task<BootResult> RunAsync(BootCase c)
    {
        LabFixture.RequirePrerequisites();
        await _lab.EnsureUpAsync();
        var output = TestContext.Current.TestOutputHelper;
        output?.WriteLine($"lab {_lab.Id}: VLAN mode {_lab.Mode} (" + (_lab.Mode == "switch-vm"
            ? "host kernel without 802.1Q/VLAN filtering: br1 with vlan_filtering 1 in a QEMU switch VM; the server is on an access port of VLAN " + _lab.Env["LAB_VLAN"]
            : "br1 with vlan_filtering 1 on the host; the server on a tagged trunk with " + _lab.Env["SRV_IF"]) + ")");
        var r = await BootRun.RunAsync(_lab, c, TestContext.Current.CancellationToken);
        output?.WriteLine(r.Timeline());
        if (r.MarkerLine is not null)
        {
            output?.WriteLine(r.MarkerLine);
            output?.WriteLine(r.IpAddr ?? string.Empty);
        }

        RecordTiming(r);
        return r;
    }

    private static void RecordTiming(BootResult r)
    {
        static string F(double? s) => s is { } v ? v.ToString("0.0", CultureInfo.InvariantCulture) : "-";
        try
        {
            string file = Path.Combine(Shell.RepoRoot, ".cache", "e2e-timings.tsv");
            Directory.CreateDirectory(Path.GetDirectoryName(file)!);
            File.AppendAllText(file, string.Join('\t', DateTime.UtcNow.ToString("s", CultureInfo.InvariantCulture), r.Case.Server,
                r.Case.Firmware, r.Case.Mode, r.Case.ServerNamespace, r.Case.Mac, F(r.SecondsTo(r.FirstOfferAny)),
                F(r.SecondsTo(r.FirstOfferFromServer)), F(r.SecondsTo(r.FirstTftpRead)), F(r.SecondsTo(r.MarkerTime))) + "\n");
        }
        catch (IOException)
        {
            // timings are a by-product; never fail a boot over them
        }
    }
}
