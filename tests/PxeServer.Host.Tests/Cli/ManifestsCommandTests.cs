using PxeServer.Host.Cli;
using Xunit;

namespace PxeServer.Host.Tests.Cli;

/// <summary><c>pxe manifests</c> end to end: config file + catalog directory in, YAML stream or problems out.</summary>
public sealed class ManifestsCommandTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), $"pxe-manifests-{Guid.NewGuid():N}");

    public ManifestsCommandTests()
    {
        Directory.CreateDirectory(Path.Combine(_dir, "catalog", "profiles"));
        File.WriteAllText(Path.Combine(_dir, "catalog", "profiles", "fedora-netinst.yaml"), """
            name: fedora-netinst
            kernel:
              path: files/fedora-netinst/vmlinuz
              sha256: 0000000000000000000000000000000000000000000000000000000000000000
            cmdline: console=ttyS0
            """);
        WriteHosts("""
            hosts:
              - mac: DE-00-00-00-00-DE
                profile: fedora-netinst
                name: vmi-pxe-boot
            """);

        // The documented scenario: bridge br1, VLAN 1, NAD pxe-net-conf, openshift-legacy (all defaults, written out).
        File.WriteAllText(ConfigFile, $"""
            catalog:
              path: {Path.Combine(_dir, "catalog")}
            kubevirt:
              namespace: default
              bridge: br1
              vlan: 1
              nadName: pxe-net-conf
              flavor: openshift-legacy
            """);
    }

    private string ConfigFile => Path.Combine(_dir, "pxeserver.yaml");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private void WriteHosts(string yaml) => File.WriteAllText(Path.Combine(_dir, "catalog", "hosts.yaml"), yaml);

    private static async Task<(int Code, string Out, string Err)> RunAsync(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        int code = await PxeCommandLine.RunAsync(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    // The manifests project's committed golden file, found by walking up from the test binary to the repository.
    private static string GoldenScenario()
    {
        const string Relative = "tests/PxeServer.Manifests.Tests/Golden/scenario.yaml";
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, Relative);
            if (File.Exists(candidate))
            {
                return File.ReadAllText(candidate);
            }
        }

        throw new FileNotFoundException($"{Relative} not found above {AppContext.BaseDirectory}");
    }

    [Fact]
    public async Task Help_ListsManifestsAndItsFlags()
    {
        var (code, output, _) = await RunAsync("manifests", "--help");
        Assert.Equal(ExitCodes.Success, code);
        foreach (var flag in new[] { "--config", "--mac", "--kind", "--flavor", "--with-nncp", "--output", "--check" })
        {
            Assert.Contains(flag, output, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task DocumentedScenario_WritesTheGoldenStream_ByteForByte()
    {
        var (code, output, err) = await RunAsync("manifests", "--config", ConfigFile);
        Assert.True(code == ExitCodes.Success, err);
        Assert.Equal(GoldenScenario(), output);
    }

    [Fact]
    public async Task OutputFile_HoldsTheSameBytesAsStdout_OnEveryRun()
    {
        string file = Path.Combine(_dir, "out.yaml");
        var (code1, first, _) = await RunAsync("manifests", "--config", ConfigFile, "--with-nncp", "--kind", "vm");
        var (code2, _, err) = await RunAsync("manifests", "--config", ConfigFile, "--with-nncp", "--kind", "vm", "-o", file);
        Assert.Equal(ExitCodes.Success, code1);
        Assert.Equal(ExitCodes.Success, code2);
        Assert.Contains("oc create -f", err, StringComparison.Ordinal);
        Assert.Equal(first, await File.ReadAllTextAsync(file, TestContext.Current.CancellationToken));
        Assert.Equal(3, first.Split("---\n").Length - 1);
    }

    [Fact]
    public async Task FlagsOverrideTheConfigFile()
    {
        var (code, output, err) = await RunAsync("manifests", "--config", ConfigFile, "--vlan", "100", "--nad-name", "pxe-vlan100", "--namespace", "lab", "--flavor", "bridge");
        Assert.True(code == ExitCodes.Success, err);
        Assert.Contains("\"vlan\": 100", output, StringComparison.Ordinal);
        Assert.Contains("\"type\": \"bridge\"", output, StringComparison.Ordinal);
        Assert.Contains("networkName: pxe-vlan100", output, StringComparison.Ordinal);
        Assert.Contains("namespace: lab", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_Passes_AndWritesNoManifest()
    {
        var (code, output, err) = await RunAsync("manifests", "--config", ConfigFile, "--check");
        Assert.True(code == ExitCodes.Success, err);
        Assert.Contains("check passed: 1 VM(s)", output, StringComparison.Ordinal);
        Assert.DoesNotContain("---", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_ListsEveryProblem_AndExitsTwo()
    {
        WriteHosts("""
            hosts:
              - mac: de:00:00:00:00:de
                profile: fedora-netinst
                name: Lab.VM
            """);
        var (code, output, err) = await RunAsync("manifests", "--config", ConfigFile, "--check", "--mac", "01:00:5e:00:00:01", "--mac", "52:54:00:00:00:99");
        Assert.Equal(ExitCodes.UsageError, code);
        Assert.Empty(output);
        Assert.Contains("--mac 01:00:5e:00:00:01: not a unicast address", err, StringComparison.Ordinal);
        Assert.Contains("--mac 01:00:5e:00:00:01: no host with this MAC", err, StringComparison.Ordinal);
        Assert.Contains("--mac 52:54:00:00:00:99: no host with this MAC", err, StringComparison.Ordinal);
        Assert.Contains("3 problem(s)", err, StringComparison.Ordinal);

        // A name the catalog accepts (a DNS name) but Kubernetes does not (a VM name is a DNS-1123 label).
        (code, output, err) = await RunAsync("manifests", "--config", ConfigFile, "--check");
        Assert.Equal(ExitCodes.UsageError, code);
        Assert.Empty(output);
        Assert.Contains("host de:00:00:00:00:de: name 'Lab.VM' is not a DNS-1123 label", err, StringComparison.Ordinal);
        Assert.Contains("1 problem(s)", err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ProblemsStopGeneration_WithoutCheckToo()
    {
        var (code, output, err) = await RunAsync("manifests", "--config", ConfigFile, "--mac", "52:54:00:00:00:99");
        Assert.Equal(ExitCodes.UsageError, code);
        Assert.Empty(output);
        Assert.Contains("nothing written", err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BadConfig_ExitsTwo()
    {
        var (code, _, err) = await RunAsync("manifests", "--config", ConfigFile, "--vlan", "4095");
        Assert.Equal(ExitCodes.UsageError, code);
        Assert.Contains("kubevirt.vlan: 4095 is outside 1..4094", err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task InvalidCatalog_ExitsTwo_ListingItsProblems()
    {
        WriteHosts("""
            hosts:
              - mac: de:00:00:00:00:de
                profile: no-such-profile
            """);
        var (code, _, err) = await RunAsync("manifests", "--config", ConfigFile);
        Assert.Equal(ExitCodes.UsageError, code);
        Assert.Contains("hosts.yaml", err, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--kind", "vmis")]
    [InlineData("--flavor", "ovs")]
    [InlineData("--vlan", "abc")]
    public async Task UsageErrors_ExitTwo(string flag, string value)
    {
        var (code, _, _) = await RunAsync("manifests", "--config", ConfigFile, flag, value);
        Assert.Equal(ExitCodes.UsageError, code);
    }

    [Fact]
    public async Task UnwritableOutput_ExitsOne()
    {
        var (code, _, err) = await RunAsync("manifests", "--config", ConfigFile, "-o", Path.Combine(_dir, "no", "such", "dir", "out.yaml"));
        Assert.Equal(ExitCodes.RuntimeFailure, code);
        Assert.Contains("cannot write", err, StringComparison.Ordinal);
    }
}
