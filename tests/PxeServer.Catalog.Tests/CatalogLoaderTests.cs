using PxeServer.Catalog.Loading;
using PxeServer.Catalog.Model;
using PxeServer.Protocols;
using Xunit;

namespace PxeServer.Catalog.Tests;

public sealed class CatalogLoaderTests
{
    [Fact]
    public void Load_CommittedSampleCatalog_IsValid()
    {
        using var cat = new TempCatalog();
        cat.CopyCommittedYaml();
        var s = CatalogLoader.Load(cat.Dir);
        Assert.Contains("lab-linux", s.Profiles.Keys);
        var host = Assert.Single(s.Hosts, h => h.Mac == MacAddress.Parse("de:00:00:00:00:de"));
        Assert.Equal("lab-linux", host.Profile);
        Assert.Equal(BootChain.Ipxe, s.Profiles["lab-linux"].Chain);
        Assert.Equal("files/lab-linux/vmlinuz", s.Profiles["lab-linux"].Kernel.Path);
        Assert.Equal("files/lab-linux/initrd.img", Assert.Single(s.Profiles["lab-linux"].Initrds).Path);
    }

    [Fact]
    public void Load_EmptyDirectory_GivesEmptyCatalog()
    {
        using var cat = new TempCatalog();
        var s = CatalogLoader.Load(cat.Dir);
        Assert.Empty(s.Profiles);
        Assert.Empty(s.Hosts);
    }

    [Fact]
    public void Load_MissingDirectory_Throws()
    {
        var e = Assert.Throws<CatalogLoadException>(() => CatalogLoader.Load("/nonexistent/pxe-catalog"));
        Assert.Contains("does not exist", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_ManyProblems_CollectsAllWithFileAndLine()
    {
        using var cat = new TempCatalog();
        cat.AddProfile("good");
        cat.WriteFile("profiles/bad.yaml", """
            name: wrong-name
            kernel:
              path: ../etc/passwd
              sha256: abc
            initrds: []
            cmdline: "x=${nope}"
            chain: grub
            colour: blue
            loaders:
              mips: {path: loaders/x, sha256: 0000000000000000000000000000000000000000000000000000000000000000}
            """);
        cat.WriteHosts("""
            hosts:
              - mac: not-a-mac
                profile: good
              - mac: de:00:00:00:00:01
                profile: missing-profile
              - mac: DE-00-00-00-00-02
                profile: good
                firmware: coreboot
                ip: 300.1.1.1
              - mac: de00.0000.0002
                profile: good
            rules:
              - name: r1
                profile: good
                prefix: "de:00:00"
              - name: r2
                profile: good
                macs: [de:00:00:00:00:03]
                prefix: "de:*"
            """);
        var e = Assert.Throws<CatalogLoadException>(() => CatalogLoader.Load(cat.Dir));
        var text = e.Errors.Select(x => x.ToString()).ToList();
        void Has(string fragment) => Assert.Contains(text, t => t.Contains(fragment, StringComparison.Ordinal));
        Has("profiles/bad.yaml:1: name: 'wrong-name' must equal the file name 'bad'");
        Has("profiles/bad.yaml:3: kernel.path: '../etc/passwd'");
        Has("profiles/bad.yaml:4: kernel.sha256: must be 64 hex digits");
        Has("profiles/bad.yaml:6: cmdline: unknown variable ${nope}");
        Has("profiles/bad.yaml:7: chain: 'grub' must be ipxe or syslinux");
        Has("profiles/bad.yaml:8: colour: unknown key");
        Has("profiles/bad.yaml:10: loaders.mips: unknown architecture");
        Has("hosts.yaml:2: hosts[0].mac: 'not-a-mac' is not a unicast MAC address");
        Has("hosts.yaml:5: hosts[1].profile: no profile named 'missing-profile'");
        Has("hosts.yaml:8: hosts[2].firmware: 'coreboot' must be bios or efi");
        Has("hosts.yaml:9: hosts[2].ip: '300.1.1.1' is not an IPv4 address");
        Has("hosts.yaml:15: rules[0].prefix: 'de:00:00' must be 1 to 5 octets");
        Has("hosts.yaml:16: rules[1]: give exactly one of macs or prefix");
        Assert.True(e.Errors.Count >= 13, string.Join("\n", text));
    }

    [Fact]
    public void Load_DuplicateMacInAnySpelling_IsAnError()
    {
        using var cat = new TempCatalog();
        cat.AddProfile("p");
        cat.WriteHosts("""
            hosts:
              - mac: DE-00-00-00-00-DE
                profile: p
              - mac: de00.0000.00de
                profile: p
            """);
        var e = Assert.Throws<CatalogLoadException>(() => CatalogLoader.Load(cat.Dir));
        Assert.Contains(e.Errors, x => x.Line == 4 && x.Message.Contains("de:00:00:00:00:de is already listed on line 2", StringComparison.Ordinal));
    }

    [Fact]
    public void Load_YamlSyntaxError_ReportsLine()
    {
        using var cat = new TempCatalog();
        cat.WriteFile("profiles/x.yaml", "name: x\ncmdline: y\n  kernel: z\n");
        var e = Assert.Throws<CatalogLoadException>(() => CatalogLoader.Load(cat.Dir));
        var err = Assert.Single(e.Errors);
        Assert.Equal("profiles/x.yaml", err.File);
        Assert.Equal(3, err.Line);
        Assert.StartsWith("YAML syntax", err.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("name: x\nkernel: [unclosed\ncmdline: y\n")] // YamlDotNet throws InvalidOperationException here
    [InlineData("{{{{")]
    [InlineData("- a\n- b\n")]
    [InlineData("name: x\n---\nname: y\n")]
    [InlineData("\u0000\u0001")]
    public void Load_GarbageYaml_IsAnErrorNotACrash(string text)
    {
        using var cat = new TempCatalog();
        cat.WriteFile("profiles/x.yaml", text);
        var e = Assert.Throws<CatalogLoadException>(() => CatalogLoader.Load(cat.Dir));
        Assert.All(e.Errors, x => Assert.Equal("profiles/x.yaml", x.File));
    }

    [Theory]
    [InlineData("de:00:00:00:00:de")]
    [InlineData("DE-00-00-00-00-DE")]
    [InlineData("de00.0000.00de")]
    [InlineData("DE00000000DE")]
    public void Load_HostMacInAnySpelling_IsStoredCanonically(string spelling)
    {
        using var cat = new TempCatalog();
        cat.AddProfile("p");
        cat.WriteHosts($"hosts:\n  - mac: \"{spelling}\"\n    profile: p\n    name: vm1\n    ip: 10.0.0.5\n    firmware: efi\n");
        var s = CatalogLoader.Load(cat.Dir);
        var h = Assert.Single(s.Hosts);
        Assert.Equal("de:00:00:00:00:de", h.Mac.ToString());
        Assert.Equal(FirmwareKind.Efi, h.Firmware);
        Assert.Equal("10.0.0.5", h.ReservedAddress!.ToString());
        Assert.Equal("vm1", h.Name);
    }

    [Fact]
    public void Load_DuplicateHostNameOrReservedIp_IsAnError()
    {
        using var cat = new TempCatalog();
        cat.AddProfile("p");
        cat.WriteHosts("""
            hosts:
              - {mac: de:00:00:00:00:01, profile: p, name: vm1, ip: 10.0.0.1}
              - {mac: de:00:00:00:00:02, profile: p, name: VM1}
              - {mac: de:00:00:00:00:03, profile: p, ip: 10.0.0.1}
            """);
        var e = Assert.Throws<CatalogLoadException>(() => CatalogLoader.Load(cat.Dir));
        Assert.Equal(2, e.Errors.Count);
        Assert.Contains(e.Errors, x => x.Line == 3 && x.Message.Contains("'VM1' is already used on line 2", StringComparison.Ordinal));
        Assert.Contains(e.Errors, x => x.Line == 4 && x.Message.Contains("10.0.0.1 is already reserved on line 2", StringComparison.Ordinal));
    }

    [Fact]
    public void Load_BrokenProfile_ItsUsersAreNotReportedTwice_AndYmlIsFlagged()
    {
        using var cat = new TempCatalog();
        cat.WriteFile("profiles/bad.yaml", "name: bad\n");
        cat.WriteFile("profiles/typo.yml", "name: typo\n");
        cat.WriteHosts("hosts:\n  - {mac: de:00:00:00:00:de, profile: bad}\n");
        var e = Assert.Throws<CatalogLoadException>(() => CatalogLoader.Load(cat.Dir));
        Assert.Equal(2, e.Errors.Count);
        Assert.Contains(e.Errors, x => x.ToString() == "profiles/bad.yaml:1: kernel: required");
        Assert.Contains(e.Errors, x => x.File == "profiles/typo.yml" && x.Message.Contains(".yaml", StringComparison.Ordinal));
    }
}
