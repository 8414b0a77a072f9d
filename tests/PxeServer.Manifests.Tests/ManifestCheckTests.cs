using PxeServer.Catalog.Model;
using PxeServer.Manifests.Yaml;
using PxeServer.Protocols;
using Xunit;

namespace PxeServer.Manifests;

/// <summary>The cross-checks behind <c>pxe manifests --check</c>: each problem is found, and all are listed at once.</summary>
public sealed class ManifestCheckTests
{
    [Fact]
    public void Check_DocumentedScenario_HasNoProblems() => Assert.Empty(ManifestGenerator.Check(TestInputs.Scenario()));

    public static TheoryData<string, string> Problems() => new()
    {
        { "multicast-host-mac", "host 01:00:5e:00:00:01: the MAC is not a unicast address" },
        { "zero-host-mac", "host 00:00:00:00:00:00: the MAC is not a unicast address" },
        { "missing-profile", "profile 'nope' does not exist in the catalog" },
        { "vlan-0", "kubevirt.vlan: 0 is outside 1..4094" },
        { "vlan-4095", "kubevirt.vlan: 4095 is outside 1..4094" },
        { "uppercase-name", "name 'Vmi-Pxe' is not a DNS-1123 label" },
        { "underscore-name", "name 'vmi_pxe' is not a DNS-1123 label" },
        { "long-name", "is not a DNS-1123 label" },
        { "fqdn-name", "name 'pxe.lab.example' is not a DNS-1123 label" },
        { "bad-namespace", "kubevirt.namespace: 'Lab' is not a DNS-1123 label" },
        { "bad-nad-name", "kubevirt.nadName: 'pxe_net' is not a DNS-1123 label" },
        { "bad-bridge", "kubevirt.bridge: 'bridge-name-too-long' is not a Linux interface name" },
        { "bad-memory", "kubevirt.memory: '1 GB' is not a Kubernetes quantity" },
        { "bad-run-strategy", "kubevirt.runStrategy: 'Sometimes' is not one of" },
        { "bad-bridge-port", "kubevirt.bridgePort: 'eth/0' is not a Linux interface name" },
        { "mac-not-in-hosts", "--mac 52:54:00:99:99:99: no host with this MAC in the catalog's hosts" },
        { "mac-unparsable", "--mac 'de:00:00:00:00': not a MAC address" },
        { "mac-multicast", "--mac ff:ff:ff:ff:ff:ff: not a unicast address" },
        { "duplicate-names", "VM name 'twin' is used by de:00:00:00:00:de, de:00:00:00:00:df" },
        { "duplicate-macs", "hosts: MAC de:00:00:00:00:de appears in 2 hosts" },
        { "no-hosts", "the catalog has no hosts" },
        { "nncp-name", "--with-nncp: the policy name 'BR1-policy'" },
    };

    private static ManifestRequest Broken(string which)
    {
        var ok = TestInputs.Scenario();
        ManifestRequest WithHost(HostEntry host) => ok with { Hosts = [host] };
        return which switch
        {
            "multicast-host-mac" => WithHost(TestInputs.Host("01:00:5e:00:00:01", "mc")),
            "zero-host-mac" => WithHost(TestInputs.Host("00:00:00:00:00:00", "zero")),
            "missing-profile" => WithHost(TestInputs.Host(TestInputs.ScenarioMac, "vmi-pxe-boot", profile: "nope")),
            "vlan-0" => ok with { KubeVirt = new KubeVirtOptions { Vlan = 0 } },
            "vlan-4095" => ok with { KubeVirt = new KubeVirtOptions { Vlan = 4095 } },
            "uppercase-name" => WithHost(TestInputs.Host(TestInputs.ScenarioMac, "Vmi-Pxe")),
            "underscore-name" => WithHost(TestInputs.Host(TestInputs.ScenarioMac, "vmi_pxe")),
            "long-name" => WithHost(TestInputs.Host(TestInputs.ScenarioMac, new string('a', 64))),
            "fqdn-name" => WithHost(TestInputs.Host(TestInputs.ScenarioMac, "pxe.lab.example")),
            "bad-namespace" => ok with { KubeVirt = new KubeVirtOptions { Namespace = "Lab" } },
            "bad-nad-name" => ok with { KubeVirt = new KubeVirtOptions { NadName = "pxe_net" } },
            "bad-bridge" => ok with { KubeVirt = new KubeVirtOptions { Bridge = "bridge-name-too-long" } },
            "bad-memory" => ok with { KubeVirt = new KubeVirtOptions { Memory = "1 GB" } },
            "bad-run-strategy" => ok with { KubeVirt = new KubeVirtOptions { RunStrategy = "Sometimes" } },
            "bad-bridge-port" => ok with { KubeVirt = new KubeVirtOptions { BridgePort = "eth/0" } },
            "mac-not-in-hosts" => ok with { Macs = ["52:54:00:99:99:99"] },
            "mac-unparsable" => ok with { Macs = ["de:00:00:00:00"] },
            "mac-multicast" => ok with { Macs = ["ff:ff:ff:ff:ff:ff"] },
            "duplicate-names" => ok with { Hosts = [TestInputs.Host("de:00:00:00:00:de", "twin"), TestInputs.Host("de:00:00:00:00:df", "twin")] },
            "duplicate-macs" => ok with { Hosts = [TestInputs.Host("de:00:00:00:00:de", "one"), TestInputs.Host("de:00:00:00:00:de", "two")] },
            "no-hosts" => ok with { Hosts = [] },
            "nncp-name" => ok with { WithNncp = true, KubeVirt = new KubeVirtOptions { Bridge = "BR1" } },
            _ => throw new ArgumentOutOfRangeException(nameof(which)),
        };
    }

    [Theory]
    [MemberData(nameof(Problems))]
    public void Check_FindsProblem_AndGenerateRefuses(string which, string expected)
    {
        var request = Broken(which);
        var problems = ManifestGenerator.Check(request);
        Assert.Contains(problems, p => p.Contains(expected, StringComparison.Ordinal));
        var e = Assert.Throws<ManifestCheckException>(() => ManifestGenerator.Generate(request));
        Assert.Equal(problems, e.Problems);
    }

    [Fact]
    public void Check_ListsEveryProblemAtOnce()
    {
        var request = TestInputs.Scenario() with
        {
            KubeVirt = new KubeVirtOptions { Vlan = 5000, Namespace = "Bad_NS" },
            Hosts =
            [
                TestInputs.Host("01:00:00:00:00:01", "Upper", profile: "nope"),
                TestInputs.Host("de:00:00:00:00:de", "ok"),
            ],
            Macs = ["01:00:00:00:00:01", "de:00:00:00:00:de", "52:54:00:00:00:99"],
        };
        var problems = ManifestGenerator.Check(request);
        Assert.Contains(problems, p => p.StartsWith("kubevirt.vlan:", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("kubevirt.namespace:", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("--mac 01:00:00:00:00:01: not a unicast", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("--mac 52:54:00:00:00:99: no host", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("host 01:00:00:00:00:01: the MAC is not a unicast", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("host 01:00:00:00:00:01: profile 'nope'", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("host 01:00:00:00:00:01: name 'Upper'", StringComparison.Ordinal));
        Assert.Equal(7, problems.Count);
    }

    [Fact]
    public void BootOrderCheck_FindsDuplicates()
    {
        var spec = ManifestGenerator.BuildInstanceSpec(TestInputs.Host(TestInputs.ScenarioMac), new KubeVirtOptions());
        Assert.Empty(ManifestGenerator.CheckBootOrders(spec, "host x"));

        var devices = (YamlMap)((YamlMap)spec["domain"]!)["devices"]!;
        ((YamlSeq)devices["disks"]!).Add(new YamlMap { { "name", "second" }, { "bootOrder", 1 } });
        var problems = ManifestGenerator.CheckBootOrders(spec, "host x");
        Assert.Equal(["host x: boot order 1 is used by 2 devices; KubeVirt needs unique boot orders"], problems);
    }

    [Fact]
    public void Check_ReportsARepeatedMacOnce()
    {
        var request = TestInputs.Scenario() with { Macs = ["52:54:00:00:00:99", "52-54-00-00-00-99"] };
        Assert.Equal(["--mac 52:54:00:00:00:99: no host with this MAC in the catalog's hosts"], ManifestGenerator.Check(request));
    }

    [Fact]
    public void Check_AllowsAnyMacSpellingInTheFilter()
    {
        var request = TestInputs.Scenario() with { Macs = ["DE00.0000.00DE"] };
        Assert.Empty(ManifestGenerator.Check(request));
        Assert.Equal(MacAddress.Parse(TestInputs.ScenarioMac), ManifestGenerator.SelectHosts(request, null).Single().Mac);
    }
}
