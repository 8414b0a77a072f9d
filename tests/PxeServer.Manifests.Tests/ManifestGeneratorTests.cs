using System.Text.Json.Nodes;
using PxeServer.Catalog.Model;
using PxeServer.Manifests.Validation;
using Xunit;

namespace PxeServer.Manifests;

public sealed class ManifestGeneratorTests
{
    private static List<JsonNode?> Parse(string yaml)
    {
        var problems = new List<string>();
        var docs = YamlJson.ParseStream(yaml, problems);
        Assert.Empty(problems);
        return docs;
    }

    private static void AssertGolden(string file, string actual)
    {
        // PXE_UPDATE_GOLDEN=1 rewrites the committed file (review the diff before committing).
        if (Environment.GetEnvironmentVariable("PXE_UPDATE_GOLDEN") == "1")
        {
            File.WriteAllText(TestInputs.GoldenSourcePath(file), actual);
        }

        string expected = File.ReadAllText(TestInputs.GoldenOutputPath(file));
        Assert.Equal(expected, actual);
    }

    [Fact]
    public void Render_DocumentedScenario_MatchesGoldenFile() =>
        AssertGolden("scenario.yaml", ManifestGenerator.Render(TestInputs.Scenario()));

    [Fact]
    public void Render_EfiVmBridgeFlavorWithNncp_MatchesGoldenFile()
    {
        var request = TestInputs.Scenario() with
        {
            KubeVirt = new KubeVirtOptions { Namespace = "pxe-lab", Vlan = 100, BridgePort = "ens4", Memory = "2Gi" },
            Hosts =
            [
                TestInputs.Host("de:00:00:00:00:de", "vmi-pxe-boot"),
                TestInputs.Host("52:54:00:12:34:56", firmware: FirmwareKind.Efi, profile: "memtest"),
            ],
            Kind = ManifestKind.Vm,
            Flavor = NadFlavor.Bridge,
            WithNncp = true,
        };
        AssertGolden("efi-vm-bridge-nncp.yaml", ManifestGenerator.Render(request));
    }

    [Fact]
    public void Render_DocumentedScenario_HasTheDocumentedValues()
    {
        var docs = Parse(ManifestGenerator.Render(TestInputs.Scenario()));
        Assert.Equal(2, docs.Count);

        var nad = docs[0]!;
        Assert.Equal("NetworkAttachmentDefinition", nad["kind"]!.GetValue<string>());
        Assert.Equal("pxe-net-conf", nad["metadata"]!["name"]!.GetValue<string>());
        var config = JsonNode.Parse(nad["spec"]!["config"]!.GetValue<string>())!;
        Assert.Equal("pxe-net-conf", config["name"]!.GetValue<string>());
        Assert.Equal("cnv-bridge", config["plugins"]![0]!["type"]!.GetValue<string>());
        Assert.Equal("br1", config["plugins"]![0]!["bridge"]!.GetValue<string>());
        Assert.Equal(1, config["plugins"]![0]!["vlan"]!.GetValue<int>());
        Assert.Equal("cnv-tuning", config["plugins"]![1]!["type"]!.GetValue<string>());

        var vmi = docs[1]!;
        Assert.Equal("kubevirt.io/v1", vmi["apiVersion"]!.GetValue<string>());
        Assert.Equal("VirtualMachineInstance", vmi["kind"]!.GetValue<string>());
        Assert.Equal("vmi-pxe-boot", vmi["metadata"]!["name"]!.GetValue<string>());
        var devices = vmi["spec"]!["domain"]!["devices"]!;
        var pxe = devices["interfaces"]!.AsArray().Single(i => i!["name"]!.GetValue<string>() == "pxe-net")!;
        Assert.Equal(TestInputs.ScenarioMac, pxe["macAddress"]!.GetValue<string>());
        Assert.Equal(1, pxe["bootOrder"]!.GetValue<long>());
        Assert.NotNull(pxe["bridge"]);
        var pod = devices["interfaces"]!.AsArray().Single(i => i!["name"]!.GetValue<string>() == "default")!;
        Assert.NotNull(pod["masquerade"]);
        var disk = devices["disks"]!.AsArray().Single()!;
        Assert.Equal("containerdisk", disk["name"]!.GetValue<string>());
        Assert.Equal(2, disk["bootOrder"]!.GetValue<long>());
        Assert.Equal("virtio", disk["disk"]!["bus"]!.GetValue<string>());
        var networks = vmi["spec"]!["networks"]!.AsArray();
        Assert.NotNull(networks.Single(n => n!["name"]!.GetValue<string>() == "default")!["pod"]);
        Assert.Equal("pxe-net-conf", networks.Single(n => n!["name"]!.GetValue<string>() == "pxe-net")!["multus"]!["networkName"]!.GetValue<string>());
        Assert.Null(vmi["spec"]!["domain"]!["firmware"]);
        Assert.Null(devices["rng"]);
    }

    [Fact]
    public void Render_SameInput_IsByteIdentical_AndIndependentOfHostOrder()
    {
        var hosts = new[]
        {
            TestInputs.Host("52:54:00:00:00:02", "beta"),
            TestInputs.Host("52:54:00:00:00:01", "alpha", FirmwareKind.Efi),
            TestInputs.Host("52:54:00:00:00:03"),
        };
        var request = TestInputs.Scenario() with { Hosts = hosts, WithNncp = true };
        string first = ManifestGenerator.Render(request);
        string second = ManifestGenerator.Render(request with { KubeVirt = new KubeVirtOptions() });
        string reversed = ManifestGenerator.Render(request with { Hosts = [.. hosts.Reverse()] });
        Assert.Equal(first, second);
        Assert.Equal(first, reversed);
        Assert.DoesNotContain("\r", first, StringComparison.Ordinal);
        Assert.EndsWith("\n", first, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_TwoHosts_OneNadAndTwoVmis()
    {
        var request = TestInputs.Scenario() with
        {
            Hosts = [TestInputs.Host("de:00:00:00:00:de", "vmi-pxe-boot"), TestInputs.Host("de:00:00:00:00:df", "vmi-pxe-boot-2")],
        };
        var manifests = ManifestGenerator.Generate(request);
        Assert.Equal(["NetworkAttachmentDefinition", "VirtualMachineInstance", "VirtualMachineInstance"], manifests.Select(m => m.Kind));
        Assert.Equal(["pxe-net-conf", "vmi-pxe-boot", "vmi-pxe-boot-2"], manifests.Select(m => m.Name));
        var docs = Parse(ManifestGenerator.Render(request));
        Assert.Equal(["de:00:00:00:00:de", "de:00:00:00:00:df"], docs.Skip(1).Select(d =>
            d!["spec"]!["domain"]!["devices"]!["interfaces"]![1]!["macAddress"]!.GetValue<string>()));
    }

    [Fact]
    public void Render_MacFilter_SelectsOnlyThoseHosts_AnySpelling()
    {
        var request = TestInputs.Scenario() with
        {
            Hosts = [TestInputs.Host("de:00:00:00:00:de", "a"), TestInputs.Host("de:00:00:00:00:df", "b"), TestInputs.Host("de:00:00:00:00:e0", "c")],
            Macs = ["DE-00-00-00-00-DF"],
        };
        var manifests = ManifestGenerator.Generate(request);
        Assert.Equal(["pxe-net-conf", "b"], manifests.Select(m => m.Name));
    }

    [Fact]
    public void Render_EfiHost_HasSecureBootOffAndRng_BiosHostHasNeither()
    {
        var request = TestInputs.Scenario() with
        {
            Hosts = [TestInputs.Host("52:54:00:00:00:01", "uefi", FirmwareKind.Efi), TestInputs.Host("52:54:00:00:00:02", "bios")],
        };
        var docs = Parse(ManifestGenerator.Render(request));
        var bios = docs.Single(d => d!["metadata"]!["name"]!.GetValue<string>() == "bios")!;
        var efi = docs.Single(d => d!["metadata"]!["name"]!.GetValue<string>() == "uefi")!;
        Assert.False(efi["spec"]!["domain"]!["firmware"]!["bootloader"]!["efi"]!["secureBoot"]!.GetValue<bool>());
        Assert.IsType<JsonObject>(efi["spec"]!["domain"]!["devices"]!["rng"]);
        Assert.Null(bios["spec"]!["domain"]!["firmware"]);
        Assert.Null(bios["spec"]!["domain"]!["devices"]!["rng"]);
    }

    [Fact]
    public void Render_KindVm_WrapsTheInstanceSpecWithRunStrategy()
    {
        var vmiDocs = Parse(ManifestGenerator.Render(TestInputs.Scenario()));
        var vmDocs = Parse(ManifestGenerator.Render(TestInputs.Scenario() with { Kind = ManifestKind.Vm }));
        var vm = vmDocs[1]!;
        Assert.Equal("VirtualMachine", vm["kind"]!.GetValue<string>());
        Assert.Equal("Always", vm["spec"]!["runStrategy"]!.GetValue<string>());
        Assert.Null(vm["spec"]!["running"]);
        Assert.True(JsonNode.DeepEquals(vmiDocs[1]!["spec"], vm["spec"]!["template"]!["spec"]));
    }

    [Fact]
    public void Render_HostWithoutName_GetsANameFromItsMac()
    {
        var request = TestInputs.Scenario() with { Hosts = [TestInputs.Host("52:54:00:AB:CD:EF")] };
        Assert.Equal("pxe-52-54-00-ab-cd-ef", ManifestGenerator.Generate(request)[1].Name);
    }

    [Fact]
    public void Render_Flavors_UseTheirPluginNames_AndSetVlanKeysExplicitly()
    {
        foreach (var (flavor, bridge, tuning) in new[] { (NadFlavor.OpenshiftLegacy, "cnv-bridge", "cnv-tuning"), (NadFlavor.Bridge, "bridge", "tuning") })
        {
            var nad = Parse(ManifestGenerator.Render(TestInputs.Scenario() with { Flavor = flavor }))[0]!;
            var config = JsonNode.Parse(nad["spec"]!["config"]!.GetValue<string>())!;
            Assert.Equal(bridge, config["plugins"]![0]!["type"]!.GetValue<string>());
            Assert.False(config["plugins"]![0]!["macspoofchk"]!.GetValue<bool>());
            Assert.False(config["plugins"]![0]!["preserveDefaultVlan"]!.GetValue<bool>());
            Assert.Equal(tuning, config["plugins"]![1]!["type"]!.GetValue<string>());
        }
    }

    [Fact]
    public void Render_NadConfig_IsSerialisedNotConcatenated_EvenForAwkwardBridgeNames()
    {
        // '"' and '\' are legal in Linux interface names; a concatenated config would break on them.
        var request = TestInputs.Scenario() with { KubeVirt = new KubeVirtOptions { Bridge = "br\"x\\" } };
        var nad = Parse(ManifestGenerator.Render(request))[0]!;
        var config = JsonNode.Parse(nad["spec"]!["config"]!.GetValue<string>())!;
        Assert.Equal("br\"x\\", config["plugins"]![0]!["bridge"]!.GetValue<string>());
    }

    [Fact]
    public void Render_WithNncp_CreatesTheBridge_WithTrunkPortForVlanOtherThanOne()
    {
        var access = Parse(ManifestGenerator.Render(TestInputs.Scenario() with
        {
            WithNncp = true,
            KubeVirt = new KubeVirtOptions { BridgePort = "ens4" },
        }))[0]!;
        Assert.Equal("NodeNetworkConfigurationPolicy", access["kind"]!.GetValue<string>());
        Assert.Null(access["metadata"]!["namespace"]);
        var iface = access["spec"]!["desiredState"]!["interfaces"]![0]!;
        Assert.Equal("br1", iface["name"]!.GetValue<string>());
        Assert.Equal("linux-bridge", iface["type"]!.GetValue<string>());
        Assert.Equal("ens4", iface["bridge"]!["port"]![0]!["name"]!.GetValue<string>());
        Assert.Null(iface["bridge"]!["port"]![0]!["vlan"]);

        var trunk = Parse(ManifestGenerator.Render(TestInputs.Scenario() with
        {
            WithNncp = true,
            KubeVirt = new KubeVirtOptions { BridgePort = "ens4", Vlan = 100 },
        }))[0]!;
        var vlan = trunk["spec"]!["desiredState"]!["interfaces"]![0]!["bridge"]!["port"]![0]!["vlan"]!;
        Assert.Equal("trunk", vlan["mode"]!.GetValue<string>());
        Assert.Equal(100, vlan["trunk-tags"]![0]!["id"]!.GetValue<long>());
    }
}
