using System.Text.Json;
using PxeServer.Host.Cli;
using Xunit;

namespace PxeServer.Host.Tests.Cli;

/// <summary>
/// <c>pxe catalog</c>, <c>pxe hosts</c> and <c>pxe explain</c> in-process, against a temporary catalog built from the
/// committed boot-images YAML with small fake kernel, initrd and loaders.
/// </summary>
public sealed class CatalogCommandTests : IDisposable
{
    private static readonly string[] s_loaders = ["undionly.kpxe", "ipxe.efi", "snponly.efi", "pxelinux.0", "ldlinux.c32", "syslinux.efi", "ldlinux.e64"];
    private readonly string _dir = Path.Combine(Path.GetTempPath(), $"pxe-catalog-cli-{Guid.NewGuid():N}");
    private readonly string _cat;

    public CatalogCommandTests()
    {
        _cat = Path.Combine(_dir, "catalog");
        string repo = FindRepoRoot();
        foreach (var f in Directory.EnumerateFiles(Path.Combine(repo, "boot-images"), "*.yaml", SearchOption.AllDirectories))
        {
            string target = Path.Combine(_cat, Path.GetRelativePath(Path.Combine(repo, "boot-images"), f));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(f, target);
        }

        Directory.CreateDirectory(Path.Combine(_cat, "loaders"));
        foreach (var l in s_loaders)
        {
            File.WriteAllText(Path.Combine(_cat, "loaders", l), "fake " + l);
        }

        Directory.CreateDirectory(Path.Combine(_dir, "src"));
        File.WriteAllBytes(Path.Combine(_dir, "src", "vmlinuz"), [.. Enumerable.Range(0, 64 * 1024).Select(i => (byte)(i * 7))]);
        File.WriteAllText(Path.Combine(_dir, "src", "initrd.img"), "fake initramfs");
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string FindRepoRoot()
    {
        var d = new DirectoryInfo(AppContext.BaseDirectory);
        while (d is not null && !File.Exists(Path.Combine(d.FullName, "Directory.Build.props")))
        {
            d = d.Parent;
        }

        return d!.FullName;
    }

    private async Task<(int Code, string Out, string Err)> RunAsync(params string[] args)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        int code = await PxeCommandLine.RunAsync([.. args, "--catalog", _cat], o, e);
        return (code, o.ToString(), e.ToString());
    }

    private Task<(int Code, string Out, string Err)> AddSampleAsync() => RunAsync(
        "catalog", "add", "lab-linux", "--force", "--kernel", Path.Combine(_dir, "src", "vmlinuz"), "--initrd", Path.Combine(_dir, "src", "initrd.img"),
        "--cmdline", "console=ttyS0,115200 panic=-1 hostname=${hostname}");

    [Fact]
    public async Task Explain_Arch7_SampleProfile_ChainloadsIpxeEfiThenScript()
    {
        Assert.Equal(0, (await AddSampleAsync()).Code);
        var (code, stdout, _) = await RunAsync("explain", "de:00:00:00:00:de", "--arch", "7");
        Assert.Equal(0, code);
        Assert.Contains("Outcome:      boot", stdout, StringComparison.Ordinal);
        Assert.Contains("Matched:      exact MAC (de:00:00:00:00:de)", stdout, StringComparison.Ordinal);
        Assert.Contains("Profile:      lab-linux", stdout, StringComparison.Ordinal);
        Assert.Contains("Boot file:    loaders/ipxe.efi", stdout, StringComparison.Ordinal);
        Assert.Contains("Next-server:  (the address of the interface that answers", stdout, StringComparison.Ordinal);
        Assert.Contains("Config file:  ipxe/01-de-00-00-00-00-de.ipxe", stdout, StringComparison.Ordinal);
        Assert.Contains("x64 UEFI (option 93 = 7)", stdout, StringComparison.Ordinal);
        Assert.Contains(
            "kernel /files/lab-linux/vmlinuz initrd=initrd.img console=ttyS0,115200 panic=-1 hostname=vmi-pxe-boot BOOTIF=01-de-00-00-00-00-de\n",
            stdout, StringComparison.Ordinal);
        Assert.Contains("initrd /files/lab-linux/initrd.img\nboot\n", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Explain_Arch0AlreadyIpxe_GetsScriptDirectly()
    {
        Assert.Equal(0, (await AddSampleAsync()).Code);
        var (code, stdout, _) = await RunAsync("explain", "DE-00-00-00-00-DE", "--arch", "0", "--ipxe", "--server", "192.168.100.1");
        Assert.Equal(0, code);
        Assert.Contains("already iPXE", stdout, StringComparison.Ordinal);
        Assert.Contains("Boot file:    ipxe/01-de-00-00-00-00-de.ipxe", stdout, StringComparison.Ordinal);
        Assert.Contains("Next-server:  192.168.100.1", stdout, StringComparison.Ordinal);
        Assert.Contains("kernel tftp://192.168.100.1/files/lab-linux/vmlinuz initrd=initrd.img ", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Explain_Json_And_UnknownMacIgnored_And_ArmRefused()
    {
        Assert.Equal(0, (await AddSampleAsync()).Code);
        var (code, stdout, _) = await RunAsync("explain", "52:54:00:00:00:01", "--json");
        Assert.Equal(0, code);
        using (var doc = JsonDocument.Parse(stdout))
        {
            Assert.Equal("ignore", doc.RootElement.GetProperty("outcome").GetString());
        }

        (code, stdout, _) = await RunAsync("explain", "de:00:00:00:00:de", "--arch", "11", "--json");
        Assert.Equal(0, code);
        using (var doc = JsonDocument.Parse(stdout))
        {
            Assert.Equal("refuse", doc.RootElement.GetProperty("outcome").GetString());
            Assert.Contains("loaders.efi-arm64", doc.RootElement.GetProperty("reason").GetString(), StringComparison.Ordinal);
        }

        // The prefix rule de:00:00:* catches other lab MACs.
        (_, stdout, _) = await RunAsync("explain", "de:00:00:00:00:42", "--arch", "0");
        Assert.Contains("Matched:      MAC prefix rule lab-oui (de:00:00:*)", stdout, StringComparison.Ordinal);
        Assert.Contains("Boot file:    loaders/undionly.kpxe", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_FlippedByteInKernel_ExitsOneNamingTheFile()
    {
        Assert.Equal(0, (await AddSampleAsync()).Code);
        var ok = await RunAsync("catalog", "verify");
        Assert.Equal(0, ok.Code);
        Assert.Contains("OK:", ok.Out, StringComparison.Ordinal);

        string kernel = Path.Combine(_cat, "files", "lab-linux", "vmlinuz");
        var bytes = await File.ReadAllBytesAsync(kernel, TestContext.Current.CancellationToken);
        bytes[1234] ^= 0x80;
        await File.WriteAllBytesAsync(kernel, bytes, TestContext.Current.CancellationToken);
        var bad = await RunAsync("catalog", "verify", "lab-linux");
        Assert.Equal(1, bad.Code);
        Assert.Contains("mismatch: files/lab-linux/vmlinuz (lab-linux): expected sha256", bad.Err, StringComparison.Ordinal);

        File.Delete(Path.Combine(_cat, "files", "lab-linux", "initrd.img"));
        var json = await RunAsync("catalog", "verify", "--json");
        Assert.Equal(1, json.Code);
        using var doc = JsonDocument.Parse(json.Out);
        Assert.False(doc.RootElement.GetProperty("ok").GetBoolean());
        Assert.Equal(2, doc.RootElement.GetProperty("problems").GetArrayLength());
    }

    [Fact]
    public async Task Verify_CommittedPlaceholders_ReportMissingFiles()
    {
        var r = await RunAsync("catalog", "verify");
        Assert.Equal(1, r.Code);
        Assert.Contains("missing:  files/lab-linux/vmlinuz", r.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Add_ExistingWithoutForce_Exits1_ListAndShowWork()
    {
        var r = await RunAsync("catalog", "add", "lab-linux", "--kernel", Path.Combine(_dir, "src", "vmlinuz"), "--cmdline", "x");
        Assert.Equal(1, r.Code);
        Assert.Contains("--force", r.Err, StringComparison.Ordinal);
        r = await RunAsync("catalog", "add", "second", "--kernel", Path.Combine(_dir, "src", "vmlinuz"), "--cmdline", "quiet", "--chain", "syslinux");
        Assert.Equal(0, r.Code);
        Assert.Contains("Added profile second", r.Out, StringComparison.Ordinal);
        r = await RunAsync("catalog", "list", "--json");
        using (var doc = JsonDocument.Parse(r.Out))
        {
            Assert.Equal(["lab-linux", "second"], doc.RootElement.EnumerateArray().Select(p => p.GetProperty("name").GetString()));
        }

        r = await RunAsync("catalog", "show", "second");
        Assert.Equal(0, r.Code);
        Assert.Contains("loaders/pxelinux.0", r.Out, StringComparison.Ordinal);
        Assert.Equal(1, (await RunAsync("catalog", "show", "nope")).Code);
    }

    [Fact]
    public async Task Remove_RefusedWhileUsed_ThenGcDeletesFiles()
    {
        Assert.Equal(0, (await AddSampleAsync()).Code);
        var r = await RunAsync("catalog", "remove", "lab-linux");
        Assert.Equal(1, r.Code);
        Assert.Contains("host de:00:00:00:00:de, rule lab-oui", r.Err, StringComparison.Ordinal);
        Assert.Equal(0, (await RunAsync("catalog", "remove", "lab-linux", "--force")).Code);
        r = await RunAsync("catalog", "gc", "--dry-run");
        Assert.Contains("would delete files/lab-linux/vmlinuz", r.Out, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(_cat, "files", "lab-linux", "vmlinuz")));
        Assert.Equal(0, (await RunAsync("catalog", "gc")).Code);
        Assert.False(File.Exists(Path.Combine(_cat, "files", "lab-linux", "vmlinuz")));
        r = await RunAsync("hosts", "list", "--json");
        using var doc = JsonDocument.Parse(r.Out);
        Assert.Equal(0, doc.RootElement.GetProperty("hosts").GetArrayLength());
    }

    [Fact]
    public async Task Hosts_AddListRemove_AndErrors()
    {
        var r = await RunAsync("hosts", "add", "DE00.0000.0001", "lab-linux", "--name", "vm1", "--ip", "192.168.100.51", "--firmware", "efi");
        Assert.Equal(0, r.Code);
        Assert.Contains("Added host de:00:00:00:00:01 -> lab-linux", r.Out, StringComparison.Ordinal);
        r = await RunAsync("hosts", "list");
        Assert.Contains("de:00:00:00:00:01  vm1", r.Out, StringComparison.Ordinal);
        Assert.Contains("192.168.100.51", r.Out, StringComparison.Ordinal);
        Assert.Contains("lab-oui", r.Out, StringComparison.Ordinal);
        Assert.Equal(2, (await RunAsync("hosts", "add", "not-a-mac", "lab-linux")).Code);
        Assert.Equal(2, (await RunAsync("hosts", "add", "de:00:00:00:00:02", "lab-linux", "--ip", "fe80::1")).Code);
        Assert.Equal(1, (await RunAsync("hosts", "add", "de:00:00:00:00:02", "no-such-profile")).Code);
        Assert.Equal(0, (await RunAsync("hosts", "remove", "de-00-00-00-00-01")).Code);
        Assert.Equal(1, (await RunAsync("hosts", "remove", "de-00-00-00-00-01")).Code);
    }

    [Fact]
    public async Task InvalidCatalog_Exits2_ListingFileAndLine()
    {
        await File.WriteAllTextAsync(Path.Combine(_cat, "hosts.yaml"), "hosts:\n  - mac: de:00:00:00:00:de\n    profile: ghost\n", TestContext.Current.CancellationToken);
        var r = await RunAsync("explain", "de:00:00:00:00:de");
        Assert.Equal(2, r.Code);
        Assert.Contains("hosts.yaml:3: hosts[0].profile: no profile named 'ghost'", r.Err, StringComparison.Ordinal);
    }
}
