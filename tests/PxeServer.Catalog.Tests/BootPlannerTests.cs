using System.Net;
using System.Text;
using PxeServer.Catalog.Loading;
using PxeServer.Catalog.Planning;
using PxeServer.Protocols;
using PxeServer.Protocols.Dhcp;
using Xunit;

namespace PxeServer.Catalog.Tests;

public sealed class BootPlannerTests : IDisposable
{
    private static readonly MacAddress s_mac = MacAddress.Parse("de:00:00:00:00:de");
    private readonly TempCatalog _cat = new();

    public BootPlannerTests()
    {
        _cat.WriteLoaders();
        _cat.AddProfile("ipxe-p", "console=ttyS0,115200 host=${hostname} ip=${ip} mac=${mac} p=${profile} srv=${server} lit=$${x}");
        _cat.AddProfile("sys-p", chain: "syslinux");
        _cat.WriteHosts("""
            hosts:
              - mac: de:00:00:00:00:de
                profile: ipxe-p
                name: vm1
              - mac: de:00:00:00:00:02
                profile: sys-p
            """);
    }

    public void Dispose() => _cat.Dispose();

    private BootPlanner Planner(BootPlannerOptions? o = null) => new(CatalogStore.Load(_cat.Dir), o);

    private BootDecision Decide(ushort? arch, bool ipxe = false, string mac = "de:00:00:00:00:de", string? userClass = null) =>
        Planner().Decide(new BootRequest(MacAddress.Parse(mac), arch is null ? null : (ClientArchitecture)arch.Value, ipxe, userClass));

    // Every row of the architecture table, ipxe chain, client not iPXE yet.
    [Theory]
    [InlineData(null, "loaders/undionly.kpxe", "bios")]
    [InlineData((ushort)0, "loaders/undionly.kpxe", "bios")]
    [InlineData((ushort)6, null, "efi-ia32")]
    [InlineData((ushort)7, "loaders/ipxe.efi", "efi-x64")]
    [InlineData((ushort)9, "loaders/ipxe.efi", "efi-x64")]
    [InlineData((ushort)10, null, "efi-arm32")]
    [InlineData((ushort)11, null, "efi-arm64")]
    [InlineData((ushort)16, null, "http-x64")]
    [InlineData((ushort)19, null, "http-arm64")]
    public void Decide_IpxeChain_EveryArchitectureRow(ushort? arch, string? loader, string key)
    {
        var d = Decide(arch);
        Assert.Equal(key, d.ArchitectureKey);
        if (loader is null)
        {
            Assert.Equal(BootOutcome.Refuse, d.Outcome);
            Assert.Null(d.BootFile);
            Assert.Contains($"add loaders.{key} to profiles/ipxe-p.yaml", d.Reason, StringComparison.Ordinal);
        }
        else
        {
            Assert.Equal(BootOutcome.Boot, d.Outcome);
            Assert.Equal(loader, d.BootFile);
            Assert.Equal("ipxe/01-de-00-00-00-00-de.ipxe", d.ConfigFile);
            Assert.Equal("ipxe", d.Chain);
        }
    }

    [Theory]
    [InlineData(null, "loaders/pxelinux.0")]
    [InlineData((ushort)0, "loaders/pxelinux.0")]
    [InlineData((ushort)6, null)]
    [InlineData((ushort)7, "loaders/syslinux.efi")]
    [InlineData((ushort)9, "loaders/syslinux.efi")]
    [InlineData((ushort)10, null)]
    [InlineData((ushort)11, null)]
    [InlineData((ushort)16, null)]
    [InlineData((ushort)19, null)]
    public void Decide_SyslinuxChain_EveryArchitectureRow(ushort? arch, string? loader)
    {
        var d = Decide(arch, mac: "de:00:00:00:00:02");
        Assert.Equal(loader is null ? BootOutcome.Refuse : BootOutcome.Boot, d.Outcome);
        Assert.Equal(loader, d.BootFile);
        if (loader is not null)
        {
            Assert.Equal("loaders/pxelinux.cfg/01-de-00-00-00-00-02", d.ConfigFile);
            Assert.Equal("syslinux", d.Chain);
        }
    }

    [Theory]
    [InlineData((ushort)2)]
    [InlineData((ushort)15)]
    [InlineData((ushort)4242)]
    public void Decide_UnsupportedArchitecture_RefusesWithReason(ushort arch)
    {
        var d = Decide(arch);
        Assert.Equal(BootOutcome.Refuse, d.Outcome);
        Assert.Contains("not a supported architecture", d.Reason, StringComparison.Ordinal);
        Assert.Contains($"option 93 = {arch}", d.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Decide_ProfileLoaderOverride_ServesArm64AndHttpUrls()
    {
        string sha = _cat.WriteFile("files/arm/ipxe-arm64.efi", "arm loader");
        _cat.AddProfile("arm", extra: $"loaders: {{efi-arm64: {{path: files/arm/ipxe-arm64.efi, sha256: {sha}}}, http-x64: {{path: \"http://10.0.0.1/ipxe.efi\"}}, efi-x64: {{path: files/arm/ipxe-arm64.efi, sha256: {sha}}}}}");
        _cat.WriteHosts("hosts:\n  - mac: de:00:00:00:00:de\n    profile: arm\n");
        var arm = Decide(11);
        Assert.Equal(BootOutcome.Boot, arm.Outcome);
        Assert.Equal("files/arm/ipxe-arm64.efi", arm.BootFile);
        Assert.Contains("profile's loader", arm.Reason, StringComparison.Ordinal);
        Assert.Equal("http://10.0.0.1/ipxe.efi", Decide(16).BootFile);
        Assert.Equal("loaders/undionly.kpxe", Decide(0).BootFile);
    }

    [Fact]
    public void Decide_DefaultLoaderNotInstalled_RefusesAndSaysHowToFix()
    {
        File.Delete(Path.Combine(_cat.Dir, "loaders/ipxe.efi"));
        var d = Decide(7);
        Assert.Equal(BootOutcome.Refuse, d.Outcome);
        Assert.Contains("loaders/ipxe.efi is not installed (run scripts/install-loaders.sh)", d.Reason, StringComparison.Ordinal);
        Assert.Equal(BootOutcome.Boot, Decide(0).Outcome);
    }

    [Fact]
    public void Decide_KernelMissing_Refuses()
    {
        File.Delete(Path.Combine(_cat.Dir, "files/ipxe-p/vmlinuz"));
        var d = Decide(0);
        Assert.Equal(BootOutcome.Refuse, d.Outcome);
        Assert.Contains("files/ipxe-p/vmlinuz is missing", d.Reason, StringComparison.Ordinal);
    }

    // iPXE detection: a client that already is iPXE gets its script directly, whatever its architecture.
    [Theory]
    [InlineData((ushort)0, true, null)]
    [InlineData((ushort)7, true, null)]
    [InlineData((ushort)0, false, "iPXE")]
    [InlineData((ushort)11, true, null)]
    public void Decide_ClientAlreadyIpxe_GetsScriptNotLoader(ushort arch, bool isIpxe, string? userClass)
    {
        var d = Decide(arch, isIpxe, userClass: userClass);
        Assert.Equal(BootOutcome.Boot, d.Outcome);
        Assert.Equal("ipxe/01-de-00-00-00-00-de.ipxe", d.BootFile);
        Assert.Contains("already iPXE", d.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ipxe")]
    [InlineData("IPXE ")]
    [InlineData("gPXE")]
    public void Decide_UserClassThatIsNotExactlyIpxe_GetsLoader(string userClass) =>
        Assert.Equal("loaders/undionly.kpxe", Decide(0, userClass: userClass).BootFile);

    [Fact]
    public void Decide_IpxeClientOnSyslinuxChain_GetsPxelinux()
    {
        var d = Decide(0, ipxe: true, mac: "de:00:00:00:00:02");
        Assert.Equal("loaders/pxelinux.0", d.BootFile);
    }

    [Fact]
    public void Decide_NextServer_FromOptions()
    {
        var o = new BootPlannerOptions { ServerAddress = IPAddress.Parse("192.168.100.1") };
        var d = Planner(o).Decide(new BootRequest(s_mac, ClientArchitecture.X64Uefi));
        Assert.Equal(IPAddress.Parse("192.168.100.1"), d.NextServer);
    }

    [Fact]
    public void IpxeScript_PutsInitrdNameOnKernelLine_AndExpandsVariables()
    {
        Assert.True(Planner().TryGetVirtualFile("ipxe/01-de-00-00-00-00-de.ipxe", IPAddress.Parse("10.0.0.9"), out var bytes));
        string script = Encoding.UTF8.GetString(bytes.Span);
        var lines = script.Split('\n');
        Assert.Equal("#!ipxe", lines[0]);
        Assert.Contains(
            "kernel /files/ipxe-p/vmlinuz initrd=initrd.img console=ttyS0,115200 host=vm1 ip=10.0.0.9 mac=de:00:00:00:00:de p=ipxe-p srv=${next-server} lit=${x} BOOTIF=01-de-00-00-00-00-de",
            lines);
        Assert.Contains("initrd /files/ipxe-p/initrd.img", lines);
        Assert.Equal("boot", lines.Last(l => l.Length > 0));
    }

    [Fact]
    public void IpxeScript_WithServerAddressAndNoClientIp_UsesAddressAndIpxeIpVariable()
    {
        var p = Planner(new BootPlannerOptions { ServerAddress = IPAddress.Parse("192.168.100.1") });
        Assert.True(p.TryGetVirtualFile("/ipxe/01-de-00-00-00-00-de.ipxe", null, out var bytes));
        string script = Encoding.UTF8.GetString(bytes.Span);
        Assert.Contains("kernel tftp://192.168.100.1/files/ipxe-p/vmlinuz initrd=initrd.img", script, StringComparison.Ordinal);
        Assert.Contains("ip=${ip} ", script, StringComparison.Ordinal);
        Assert.Contains("srv=192.168.100.1 ", script, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("pxelinux.cfg/01-de-00-00-00-00-02")]
    [InlineData("loaders/pxelinux.cfg/01-de-00-00-00-00-02")]
    [InlineData("/loaders/pxelinux.cfg/01-DE-00-00-00-00-02")]
    public void PxelinuxConfig_IsServedAtRootAndNextToTheLoader(string path)
    {
        Assert.True(Planner().TryGetVirtualFile(path, null, out var bytes));
        string cfg = Encoding.UTF8.GetString(bytes.Span);
        Assert.Contains("DEFAULT sys-p\n", cfg, StringComparison.Ordinal);
        Assert.Contains("  KERNEL ::files/sys-p/vmlinuz\n", cfg, StringComparison.Ordinal);
        Assert.Contains("  INITRD ::files/sys-p/initrd.img\n", cfg, StringComparison.Ordinal);
        Assert.Contains("  APPEND console=ttyS0,115200 BOOTIF=01-de-00-00-00-00-02\n", cfg, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("pxelinux.cfg/default")]
    [InlineData("pxelinux.cfg/C0A86401")]
    [InlineData("pxelinux.cfg/01-52-54-00-00-00-01")] // unknown MAC, policy ignore
    [InlineData("ipxe/01-52-54-00-00-00-01.ipxe")]
    [InlineData("ipxe/de-00-00-00-00-de.ipxe")]
    [InlineData("files/ipxe-p/vmlinuz")]
    [InlineData("xpxelinux.cfg/01-de-00-00-00-00-de")]
    public void TryGetVirtualFile_NotAVirtualFileOrUnknownMac_ReturnsFalse(string path) =>
        Assert.False(Planner().TryGetVirtualFile(path, null, out _));

    [Fact]
    public void Cmdline_BootIfOff_AndExistingBootIf_NotAppended()
    {
        _cat.AddProfile("nob", "quiet", extra: "bootif: false");
        _cat.AddProfile("has", "BOOTIF=01-aa-bb-cc-dd-ee-ff");
        _cat.WriteHosts("hosts:\n  - {mac: de:00:00:00:00:de, profile: nob}\n  - {mac: de:00:00:00:00:03, profile: has}\n");
        var p = Planner();
        Assert.True(p.TryGetVirtualFile("pxelinux.cfg/01-de-00-00-00-00-de", null, out var a));
        Assert.Contains("APPEND quiet\n", Encoding.UTF8.GetString(a.Span), StringComparison.Ordinal);
        Assert.True(p.TryGetVirtualFile("pxelinux.cfg/01-de-00-00-00-00-03", null, out var b));
        Assert.Contains("APPEND BOOTIF=01-aa-bb-cc-dd-ee-ff\n", Encoding.UTF8.GetString(b.Span), StringComparison.Ordinal);
    }

    [Fact]
    public void IpxeScript_MultipleInitrds_AllNamedOnKernelLine()
    {
        string k = _cat.WriteFile("files/multi/vmlinuz", "k");
        string a = _cat.WriteFile("files/multi/a.img", "a");
        string b = _cat.WriteFile("files/multi/b.cpio", "b");
        _cat.WriteFile("profiles/multi.yaml", $"name: multi\nkernel: {{path: files/multi/vmlinuz, sha256: {k}}}\ninitrds:\n  - {{path: files/multi/a.img, sha256: {a}}}\n  - {{path: files/multi/b.cpio, sha256: {b}}}\ncmdline: \"\"\nbootif: false\n");
        _cat.WriteHosts("hosts:\n  - {mac: de:00:00:00:00:de, profile: multi}\n");
        var snap = CatalogLoader.Load(_cat.Dir);
        Assert.True(BootPlanner.TryRender(snap, "ipxe/01-de-00-00-00-00-de.ipxe", null, new BootPlannerOptions(), out var script));
        Assert.Contains("kernel /files/multi/vmlinuz initrd=a.img initrd=b.cpio\n", script, StringComparison.Ordinal);
        Assert.Contains("initrd /files/multi/a.img\ninitrd /files/multi/b.cpio\n", script, StringComparison.Ordinal);
    }
}
