using PxeServer.Dhcp;
using PxeServer.Host.Configuration;
using PxeServer.Manifests;
using Xunit;

namespace PxeServer.Host.Tests.Configuration;

public sealed class PxeConfigLoaderTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("pxe-config-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Write(string yaml)
    {
        string path = Path.Combine(_dir, $"c{Guid.NewGuid():N}.yaml");
        File.WriteAllText(path, yaml);
        return path;
    }

    private static string RepoFile(string relative)
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "PxeServer.sln")))
        {
            dir = dir.Parent;
        }

        Assert.NotNull(dir);
        return Path.Combine(dir.FullName, relative);
    }

    [Fact]
    public void Accepts_TheShippedConfigFile()
    {
        var s = PxeConfigLoader.Load(RepoFile("config/pxeserver.yaml"), useEnvironment: false);

        Assert.Equal("br1.10", s.Server.Interface);
        Assert.Equal("10.10.0.1", s.Server.Address);
        Assert.Equal(DhcpMode.Proxy, s.Dhcp.Mode);
        Assert.Equal(UnknownClientPolicy.Ignore, s.Dhcp.UnknownClients);
        Assert.Equal("10.10.0.100", s.Dhcp.Pool.Start);
        Assert.Equal(["10.10.0.1"], s.Dhcp.Pool.Dns);
        Assert.Equal(69, s.Tftp.Port);
        Assert.Equal(65464, s.Tftp.MaxBlockSize);
        Assert.Equal(64, s.Tftp.MaxWindowSize);
        Assert.Equal("boot-images", s.Catalog.Path);
        Assert.Equal(NadFlavor.OpenshiftLegacy, s.KubeVirt.Flavor);
        Assert.Equal("pxe-net-conf", s.KubeVirt.NadName);
        Assert.Equal(1, s.KubeVirt.Vlan);
    }

    [Fact]
    public void Rejects_BadModeAndPort_NamingBothKeysWithLines()
    {
        string file = Write("""
            dhcp:
              mode: fulll
            tftp:
              port: 70000
            """);

        var e = Assert.Throws<ConfigException>(() => PxeConfigLoader.Load(file, useEnvironment: false));

        Assert.Equal(2, e.Errors.Count);
        Assert.Contains($"{file}:2: dhcp.mode: 'fulll' is not one of off, proxy, full", e.Errors);
        Assert.Contains($"{file}:4: tftp.port: 70000 is not a port number (1..65535)", e.Errors);
    }

    [Fact]
    public void Rejects_UnknownKeysAndSections()
    {
        string file = Write("""
            tftp:
              prot: 69
            dhpc:
              mode: full
            """);

        var e = Assert.Throws<ConfigException>(() => PxeConfigLoader.Load(file, useEnvironment: false));

        Assert.Contains(e.Errors, m => m.Contains("tftp.prot: unknown key", StringComparison.Ordinal) && m.Contains("port", StringComparison.Ordinal));
        Assert.Contains(e.Errors, m => m.Contains("dhpc: unknown section", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("tftp:\n  port: abc\n", "tftp.port: 'abc' is not a whole number")]
    [InlineData("tftp:\n  enabled: maybe\n", "tftp.enabled: 'maybe' is not true or false")]
    [InlineData("dhcp:\n  pool: 10.0.0.1\n", "dhcp.pool: expects a section")]
    [InlineData("dhcp:\n  mode: full\n  pool:\n    start: 10.0.0.1\n    end: 10.0.0.9\n    subnetMask: 255.255.255.0\n    dns: 10.0.0.1\n", "dhcp.pool.dns: expects a list")]
    [InlineData("tftp:\n  port:\n    - 69\n", "tftp.port: expects a single value")]
    [InlineData("kubevirt:\n  vlan: 4095\n", "kubevirt.vlan: 4095 is outside 1..4094")]
    [InlineData("kubevirt:\n  flavor: calico\n", "kubevirt.flavor: 'calico' is not one of openshift-legacy, bridge")]
    [InlineData("server:\n  address: 10.0.0\n", "server.address: '10.0.0' is not an IPv4 address")]
    [InlineData("dhcp:\n  mode: full\n", "dhcp.pool.start: required in full mode")]
    [InlineData("dhcp:\n  mode: full\n  pool:\n    start: 10.0.0.9\n    end: 10.0.0.1\n    subnetMask: 255.255.255.0\n", "dhcp.pool.end: '10.0.0.1' comes before")]
    [InlineData("dhcp:\n  mode: full\n  pool:\n    start: 10.0.0.1\n    end: 10.0.1.1\n    subnetMask: 255.255.255.0\n", "not in the same subnet")]
    [InlineData("dhcp:\n  mode: full\n  pool:\n    start: 10.0.0.1\n    end: 10.0.0.9\n    subnetMask: 255.0.255.0\n", "not a contiguous netmask")]
    [InlineData("tftp:\n  allowUploads: true\n", "tftp.uploadRoot: required when tftp.allowUploads is true")]
    [InlineData("tftp:\n  maxBlockSize: 7\n", "tftp.maxBlockSize: 7 is outside 8..65464")]
    [InlineData("- a\n- b\n", "the top level must be a mapping")]
    [InlineData("tftp: [\n", "not valid YAML")]
    public void Rejects_BadValue(string yaml, string expected)
    {
        string file = Write(yaml);

        var e = Assert.Throws<ConfigException>(() => PxeConfigLoader.Load(file, useEnvironment: false));

        Assert.Contains(e.Errors, m => m.Contains(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void Accepts_KebabCaseEnums_AndEmptyFile()
    {
        var s = PxeConfigLoader.Load(Write("kubevirt:\n  flavor: bridge\ndhcp:\n  mode: OFF\n"), useEnvironment: false);
        Assert.Equal(NadFlavor.Bridge, s.KubeVirt.Flavor);
        Assert.Equal(DhcpMode.Off, s.Dhcp.Mode);

        var empty = PxeConfigLoader.Load(Write(string.Empty), useEnvironment: false);
        Assert.Equal(69, empty.Tftp.Port);
        Assert.Equal(DhcpMode.Proxy, empty.Dhcp.Mode);
    }

    [Fact]
    public void FlagsOverrideTheFile_AndErrorsNameTheFlag()
    {
        string file = Write("tftp:\n  port: 69\n  root: /srv/tftp\n");
        var overrides = new Dictionary<string, ConfigOverride>
        {
            ["tftp:port"] = new("6969", "--tftp-port"),
            ["dhcp:mode"] = new("off", "--dhcp-mode"),
        };

        var s = PxeConfigLoader.Load(file, overrides, useEnvironment: false);
        Assert.Equal(6969, s.Tftp.Port);
        Assert.Equal("/srv/tftp", s.Tftp.Root);
        Assert.Equal(DhcpMode.Off, s.Dhcp.Mode);

        overrides["tftp:port"] = new("0", "--tftp-port");
        var e = Assert.Throws<ConfigException>(() => PxeConfigLoader.Load(file, overrides, useEnvironment: false));
        Assert.Contains("tftp.port: 0 is not a port number (1..65535) (from --tftp-port)", e.Errors);
    }

    [Fact]
    public void EnvironmentSitsBetweenFileAndFlags()
    {
        string file = Write("tftp:\n  port: 69\n  maxWindowSize: 8\n");
        const string Port = "PXE_TFTP__PORT", Window = "PXE_TFTP__MAXWINDOWSIZE";
        Environment.SetEnvironmentVariable(Port, "7000");
        Environment.SetEnvironmentVariable(Window, "16");
        try
        {
            var s = PxeConfigLoader.Load(file, new Dictionary<string, ConfigOverride> { ["tftp:port"] = new("7001", "--tftp-port") });
            Assert.Equal(7001, s.Tftp.Port);      // flag beats environment
            Assert.Equal(16, s.Tftp.MaxWindowSize); // environment beats file
        }
        finally
        {
            Environment.SetEnvironmentVariable(Port, null);
            Environment.SetEnvironmentVariable(Window, null);
        }
    }

    [Fact]
    public void Environment_TakesOnlySectionKeys_IgnoresOtherPxeVariables_AndFlagsSingleUnderscoreTypos()
    {
        var errors = new List<string>();
        var env = new System.Collections.Hashtable
        {
            ["PXE_TFTP__PORT"] = "7000",
            ["PXE_DHCP__POOL__DNS__0"] = "10.0.0.1",
            ["PXE_SKIP_PREREQS"] = "1",     // a script's variable, not ours
            ["PXE"] = "/usr/bin/pxe",
            ["PXE_TFTP_PORT"] = "7001",     // typo
            ["HOME"] = "/root",
        };

        var result = PxeConfigLoader.EnvironmentOverrides(env, errors);

        Assert.Equal("7000", result["tftp:port"]);
        Assert.Equal("10.0.0.1", result["dhcp:pool:dns:0"]);
        Assert.Equal(2, result.Count);
        Assert.Equal(["environment variable PXE_TFTP_PORT: use two underscores between levels, e.g. PXE_TFTP__PORT"], errors);
    }

    [Fact]
    public void Rejects_MissingExplicitFile()
    {
        var e = Assert.Throws<ConfigException>(() => PxeConfigLoader.Load(Path.Combine(_dir, "nope.yaml"), useEnvironment: false));
        Assert.Contains("does not exist", e.Errors[0], StringComparison.Ordinal);
    }
}
