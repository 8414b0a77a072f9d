using System.Net;
using PxeServer.Catalog.Editing;
using PxeServer.Catalog.Loading;
using PxeServer.Catalog.Model;
using PxeServer.Protocols;
using Xunit;

namespace PxeServer.Catalog.Tests;

public sealed class EditorTests : IDisposable
{
    private readonly TempCatalog _cat = new();
    private readonly string _src;

    public EditorTests()
    {
        _src = Path.Combine(_cat.Dir, "..", Path.GetFileName(_cat.Dir) + "-src");
        Directory.CreateDirectory(_src);
        File.WriteAllBytes(Path.Combine(_src, "vmlinuz"), [.. Enumerable.Range(0, 100_000).Select(i => (byte)i)]);
        File.WriteAllText(Path.Combine(_src, "initrd.img"), "initramfs");
        _cat.WriteLoaders();
    }

    public void Dispose()
    {
        _cat.Dispose();
        Directory.Delete(_src, true);
    }

    private (BootProfile Profile, bool Replaced) Add(string name = "lab", string cmdline = "console=ttyS0 host=${hostname}") =>
        new CatalogEditor(_cat.Dir).AddProfile(name, Path.Combine(_src, "vmlinuz"), [Path.Combine(_src, "initrd.img")], cmdline, "desc: with colon", BootChain.Ipxe, true,
            new Dictionary<LoaderArchitecture, string>());

    [Fact]
    public void AddProfile_CopiesFilesHashesAndWritesLoadableYaml()
    {
        var progress = new List<long>();
        var (p, replaced) = new CatalogEditor(_cat.Dir).AddProfile("lab", Path.Combine(_src, "vmlinuz"), [Path.Combine(_src, "initrd.img")], "a \"quoted\" ${mac} #x", "d", BootChain.Syslinux, false,
            new Dictionary<LoaderArchitecture, string> { [LoaderArchitecture.Bios] = WriteSrc("my.kpxe") },
            (_, done, _) => progress.Add(done));
        Assert.False(replaced);
        Assert.Equal("files/lab/vmlinuz", p.Kernel.Path);
        Assert.Equal(AtomicFile.Sha256Of(Path.Combine(_src, "vmlinuz")), p.Kernel.Sha256);
        Assert.True(File.Exists(Path.Combine(_cat.Dir, "files/lab/initrd.img")));
        Assert.NotEmpty(progress);
        var loaded = CatalogLoader.Load(_cat.Dir).Profiles["lab"];
        Assert.Equal(p.Kernel, loaded.Kernel);
        Assert.Equal("a \"quoted\" ${mac} #x", loaded.Cmdline);
        Assert.Equal(BootChain.Syslinux, loaded.Chain);
        Assert.False(loaded.BootIf);
        Assert.Equal("files/lab/my.kpxe", loaded.Loaders[LoaderArchitecture.Bios].Path);
        Assert.Empty(Directory.EnumerateFiles(_cat.Dir, ".*", SearchOption.AllDirectories));
        Assert.True(Add().Replaced);
    }

    [Fact]
    public void AddProfile_ExistingWithoutReplace_IsRefusedAndUntouched()
    {
        Add();
        string before = File.ReadAllText(Path.Combine(_cat.Dir, "profiles/lab.yaml"));
        var e = Assert.Throws<CatalogEditException>(() => new CatalogEditor(_cat.Dir).AddProfile(
            "lab", Path.Combine(_src, "vmlinuz"), [], "x", null, BootChain.Ipxe, true, new Dictionary<LoaderArchitecture, string>(), replace: false));
        Assert.Contains("--force", e.Message, StringComparison.Ordinal);
        Assert.Equal(before, File.ReadAllText(Path.Combine(_cat.Dir, "profiles/lab.yaml")));
    }

    [Fact]
    public void AddProfile_BadNameOrVariable_RefusedBeforeCopying()
    {
        Assert.Throws<CatalogEditException>(() => Add("Bad Name"));
        var e = Assert.Throws<CatalogEditException>(() => Add("ok", "x=${oops}"));
        Assert.Contains("unknown variable ${oops}", e.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(_cat.Dir, "files/ok")));
    }

    [Fact]
    public void Verify_DetectsFlippedByteInKernel_AndMissingFiles()
    {
        Add();
        var editor = new CatalogEditor(_cat.Dir);
        Assert.Empty(editor.Verify(null).Problems);
        string kernel = Path.Combine(_cat.Dir, "files/lab/vmlinuz");
        var bytes = File.ReadAllBytes(kernel);
        bytes[50_000] ^= 0x01;
        File.WriteAllBytes(kernel, bytes);
        var problem = Assert.Single(editor.Verify("lab").Problems);
        Assert.Equal(("lab", "files/lab/vmlinuz", "mismatch"), (problem.Owner, problem.Path, problem.Problem));
        File.Delete(Path.Combine(_cat.Dir, "files/lab/initrd.img"));
        File.Delete(Path.Combine(_cat.Dir, "loaders/ipxe.efi"));
        var all = editor.Verify(null).Problems;
        Assert.Contains(all, p => p.Path == "files/lab/initrd.img" && p.Problem == "missing");
        Assert.Contains(all, p => p.Path == "loaders/ipxe.efi" && p.Problem == "missing");
        Assert.Equal(3, all.Count);
    }

    [Fact]
    public void Verify_ChecksLoaderSums()
    {
        Add();
        string sha = AtomicFile.Sha256Of(Path.Combine(_cat.Dir, "loaders/undionly.kpxe"));
        _cat.WriteFile("loaders/SHA256SUMS", $"{sha}  undionly.kpxe\n{new string('1', 64)}  snponly.efi\n");
        var problems = new CatalogEditor(_cat.Dir).Verify(null).Problems;
        var p = Assert.Single(problems);
        Assert.Equal(("loaders/snponly.efi", "mismatch"), (p.Path, p.Problem));
    }

    [Fact]
    public void RemoveProfile_RefusesWhileUsed_ForceAlsoRemovesHostsAndRules()
    {
        Add();
        Add("other");
        _cat.WriteHosts("hosts:\n  - {mac: de:00:00:00:00:de, profile: lab}\n  - {mac: de:00:00:00:00:01, profile: other}\nrules:\n  - {name: r, profile: lab, prefix: \"de:*\"}\n");
        var editor = new CatalogEditor(_cat.Dir);
        var e = Assert.Throws<CatalogEditException>(() => editor.RemoveProfile("lab", force: false));
        Assert.Contains("host de:00:00:00:00:de, rule r", e.Message, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(_cat.Dir, "profiles/lab.yaml")));
        Assert.Equal(2, editor.RemoveProfile("lab", force: true).Count);
        var s = CatalogLoader.Load(_cat.Dir);
        Assert.DoesNotContain("lab", s.Profiles.Keys);
        Assert.Equal("other", Assert.Single(s.Hosts).Profile);
        Assert.Empty(s.Rules);
    }

    [Fact]
    public void Gc_ListsOrDeletesUnreferencedFilesOnly()
    {
        Add();
        _cat.WriteFile("files/lab/old-kernel", "x");
        _cat.WriteFile("files/gone/vmlinuz", "y");
        var editor = new CatalogEditor(_cat.Dir);
        Assert.Equal(["files/gone/vmlinuz", "files/lab/old-kernel"], editor.CollectGarbage(dryRun: true));
        Assert.True(File.Exists(Path.Combine(_cat.Dir, "files/gone/vmlinuz")));
        editor.CollectGarbage(dryRun: false);
        Assert.False(Directory.Exists(Path.Combine(_cat.Dir, "files/gone")));
        Assert.False(File.Exists(Path.Combine(_cat.Dir, "files/lab/old-kernel")));
        Assert.True(File.Exists(Path.Combine(_cat.Dir, "files/lab/vmlinuz")));
        Assert.Empty(editor.Verify(null).Problems);
    }

    [Fact]
    public void Hosts_AddReplaceRemove_KeepRulesAndCanonicalMacs()
    {
        Add();
        _cat.WriteHosts("rules:\n  - {name: r, profile: lab, macs: [\"52-54-00-00-00-01\"]}\n");
        var editor = new CatalogEditor(_cat.Dir);
        Assert.False(editor.AddHost(MacAddress.Parse("DE-00-00-00-00-DE"), "lab", "vm1", IPAddress.Parse("10.0.0.2"), FirmwareKind.Efi));
        Assert.True(editor.AddHost(MacAddress.Parse("de00.0000.00de"), "lab", "vm2", null, FirmwareKind.Bios));
        Assert.Throws<CatalogEditException>(() => editor.AddHost(MacAddress.Parse("de:00:00:00:00:01"), "nope", null, null, FirmwareKind.Bios));
        string text = File.ReadAllText(Path.Combine(_cat.Dir, "hosts.yaml"));
        Assert.Contains("- mac: de:00:00:00:00:de", text, StringComparison.Ordinal);
        var s = CatalogLoader.Load(_cat.Dir);
        var h = Assert.Single(s.Hosts);
        Assert.Equal(("vm2", FirmwareKind.Bios, (IPAddress?)null), (h.Name, h.Firmware, h.ReservedAddress));
        Assert.Equal(MacAddress.Parse("52:54:00:00:00:01"), Assert.Single(Assert.Single(s.Rules).Macs));
        Assert.True(editor.RemoveHost(MacAddress.Parse("de:00:00:00:00:de")));
        Assert.False(editor.RemoveHost(MacAddress.Parse("de:00:00:00:00:de")));
        Assert.Empty(CatalogLoader.Load(_cat.Dir).Hosts);
    }

    private string WriteSrc(string name)
    {
        string path = Path.Combine(_src, name);
        File.WriteAllText(path, "loader " + name);
        return path;
    }
}
