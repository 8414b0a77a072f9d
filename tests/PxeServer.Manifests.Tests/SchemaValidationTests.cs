using System.Text.Json.Nodes;
using PxeServer.Catalog.Model;
using PxeServer.Manifests.Validation;
using Xunit;

namespace PxeServer.Manifests;

/// <summary>
/// Every generated document, over a matrix of inputs, against KubeVirt's OpenAPI schema and the NAD / NNCP
/// CRDs (Data/); every NAD config as a CNI configuration list. Then the validators themselves are shown to
/// reject what they must, so a green run means something.
/// </summary>
public sealed class SchemaValidationTests
{
    public static TheoryData<NadFlavor, ManifestKind, int, string?> Matrix()
    {
        var data = new TheoryData<NadFlavor, ManifestKind, int, string?>();
        foreach (var flavor in new[] { NadFlavor.OpenshiftLegacy, NadFlavor.Bridge })
        {
            foreach (var kind in new[] { ManifestKind.Vmi, ManifestKind.Vm })
            {
                foreach (var (vlan, port) in new[] { (1, (string?)null), (1, "ens4"), (4094, "eth1") })
                {
                    data.Add(flavor, kind, vlan, port);
                }
            }
        }

        return data;
    }

    private static ManifestRequest Request(NadFlavor flavor, ManifestKind kind, int vlan, string? port) => TestInputs.Scenario() with
    {
        KubeVirt = new KubeVirtOptions { Namespace = "pxe", Vlan = vlan, BridgePort = port },
        Hosts =
        [
            TestInputs.Host("de:00:00:00:00:de", "vmi-pxe-boot"),
            TestInputs.Host("52:54:00:00:00:01", firmware: FirmwareKind.Efi, profile: "memtest"),
        ],
        Flavor = flavor,
        Kind = kind,
        WithNncp = true,
    };

    [Theory]
    [MemberData(nameof(Matrix))]
    public void EveryGeneratedDocument_IsValidAgainstItsSchema(NadFlavor flavor, ManifestKind kind, int vlan, string? port)
    {
        var problems = new List<string>();
        var docs = YamlJson.ParseStream(ManifestGenerator.Render(Request(flavor, kind, vlan, port)), problems);
        Assert.Empty(problems);
        Assert.Equal(4, docs.Count);
        Assert.Equal(
            ["NodeNetworkConfigurationPolicy", "NetworkAttachmentDefinition", kind == ManifestKind.Vm ? "VirtualMachine" : "VirtualMachineInstance", kind == ManifestKind.Vm ? "VirtualMachine" : "VirtualMachineInstance"],
            docs.Select(d => d!["kind"]!.GetValue<string>()));
        foreach (var doc in docs)
        {
            var errors = KubernetesSchemas.Instance.Validate(doc);
            if (doc!["kind"]!.GetValue<string>().StartsWith("VirtualMachine", StringComparison.Ordinal))
            {
                errors.AddRange(KubeVirtSemantics.Validate(doc));
            }

            Assert.True(errors.Count == 0, $"{doc!["kind"]}: {string.Join(Environment.NewLine, errors)}");
        }

        var nad = docs[1]!;
        var cni = CniConfigValidator.Validate(nad["spec"]!["config"]!.GetValue<string>(), nad["metadata"]!["name"]!.GetValue<string>());
        Assert.True(cni.Count == 0, string.Join(Environment.NewLine, cni));
    }

    [Fact]
    public void GoldenFiles_AreValidToo()
    {
        foreach (var file in Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "Golden"), "*.yaml"))
        {
            var problems = new List<string>();
            foreach (var doc in YamlJson.ParseStream(File.ReadAllText(file), problems))
            {
                problems.AddRange(KubernetesSchemas.Instance.Validate(doc));
                if (doc!["kind"]!.GetValue<string>().StartsWith("VirtualMachine", StringComparison.Ordinal))
                {
                    problems.AddRange(KubeVirtSemantics.Validate(doc));
                }

                if (doc!["kind"]!.GetValue<string>() == "NetworkAttachmentDefinition")
                {
                    problems.AddRange(CniConfigValidator.Validate(doc["spec"]!["config"]!.GetValue<string>()));
                }
            }

            Assert.True(problems.Count == 0, $"{Path.GetFileName(file)}: {string.Join(Environment.NewLine, problems)}");
        }
    }

    // --- The validators must fail on what a cluster would reject. ---------------------------------------------

    private static JsonObject ScenarioDoc(int index, ManifestKind kind = ManifestKind.Vmi, bool nncp = false)
    {
        var problems = new List<string>();
        var docs = YamlJson.ParseStream(ManifestGenerator.Render(TestInputs.Scenario() with { Kind = kind, WithNncp = nncp }), problems);
        return docs[index]!.AsObject();
    }

    public static TheoryData<string, string> BrokenVmis() => new()
    {
        { "misspelt field", """{"op":"set","path":"spec.domain.devices.interfaces.1","key":"bootorder","value":1}""" },
        { "wrong type", """{"op":"set","path":"spec.domain.devices.interfaces.1","key":"bootOrder","value":"1"}""" },
        { "field in an empty struct", """{"op":"set","path":"spec.domain.devices.interfaces.1.bridge","key":"vlan","value":1}""" },
        { "missing required name", """{"op":"remove","path":"spec.networks.1","key":"name"}""" },
        { "missing required spec", """{"op":"remove","path":"","key":"spec"}""" },
        { "enum", """{"op":"set","path":"spec.volumes.0.containerDisk","key":"imagePullPolicy","value":"Sometimes"}""" },
        { "int32 overflow", """{"op":"set","path":"spec.domain.devices.disks.0","key":"bootOrder","value":3000000000}""" },
        { "unknown top-level field", """{"op":"set","path":"","key":"specs","value":{}}""" },
        { "label value not a string", """{"op":"set","path":"metadata.labels","key":"n","value":1}""" },
        { "namespace missing", """{"op":"remove","path":"metadata","key":"namespace"}""" },
        { "bad name", """{"op":"set","path":"metadata","key":"name","value":"Vmi_Pxe"}""" },
        { "unknown kind", """{"op":"set","path":"","key":"kind","value":"VirtualMachinePool"}""" },
    };

    [Theory]
    [MemberData(nameof(BrokenVmis))]
    public void Validator_RejectsBrokenVmi(string what, string mutation)
    {
        var doc = ScenarioDoc(1);
        Assert.Empty(KubernetesSchemas.Instance.Validate(doc));
        Mutate(doc, JsonNode.Parse(mutation)!);
        Assert.True(KubernetesSchemas.Instance.Validate(doc).Count > 0, $"validator accepted a VMI with {what}");
    }

    public static TheoryData<string, string> SemanticallyBrokenVmis() => new()
    {
        { "duplicate interface name", """{"op":"set","path":"spec.domain.devices.interfaces.0","key":"name","value":"pxe-net"}""" },
        { "interface without network", """{"op":"set","path":"spec.networks.1","key":"name","value":"other"}""" },
        { "disk without volume", """{"op":"set","path":"spec.volumes.0","key":"name","value":"other"}""" },
        { "duplicate boot order", """{"op":"set","path":"spec.domain.devices.disks.0","key":"bootOrder","value":1}""" },
        { "zero boot order", """{"op":"set","path":"spec.domain.devices.interfaces.1","key":"bootOrder","value":0}""" },
        { "bad MAC", """{"op":"set","path":"spec.domain.devices.interfaces.1","key":"macAddress","value":"de:00:00:00:de"}""" },
        { "no memory", """{"op":"remove","path":"spec.domain","key":"resources"}""" },
        { "secure boot without SMM", """{"op":"set","path":"spec.domain","key":"firmware","value":{"bootloader":{"efi":{}}}}""" },
    };

    [Theory]
    [MemberData(nameof(SemanticallyBrokenVmis))]
    public void Semantics_RejectBrokenVmi(string what, string mutation)
    {
        var doc = ScenarioDoc(1);
        Assert.Empty(KubeVirtSemantics.Validate(doc));
        Mutate(doc, JsonNode.Parse(mutation)!);
        Assert.True(KubeVirtSemantics.Validate(doc).Count > 0, $"semantic check accepted a VMI with {what}");
    }

    [Fact]
    public void OpenApiValidator_ChecksListMapKeysAndRanges()
    {
        var schema = JsonNode.Parse("""
            {"type":"array","x-kubernetes-list-type":"map","x-kubernetes-list-map-keys":["name"],
             "items":{"type":"object","properties":{"name":{"type":"string"},"n":{"type":"integer","format":"int32","minimum":1,"maximum":9}}}}
            """)!;
        var validator = new OpenApiValidator(null);
        Assert.Empty(validator.Validate(JsonNode.Parse("""[{"name":"a","n":1},{"name":"b","n":9}]"""), schema));
        Assert.Single(validator.Validate(JsonNode.Parse("""[{"name":"a"},{"name":"a"}]"""), schema));
        Assert.Single(validator.Validate(JsonNode.Parse("""[{"name":"a","n":0}]"""), schema));
        Assert.Single(validator.Validate(JsonNode.Parse("""[{"name":"a","n":10}]"""), schema));
        Assert.Single(validator.Validate(JsonNode.Parse("""[{"name":"a","n":1.5}]"""), schema));
    }

    [Fact]
    public void Validator_RejectsBrokenVmTemplate()
    {
        var doc = ScenarioDoc(1, ManifestKind.Vm);
        Assert.Empty(KubernetesSchemas.Instance.Validate(doc));
        doc["spec"]!["template"]!["spec"]!["domain"]!["devices"]!.AsObject()["rng"] = new JsonObject { ["rate"] = 1 };
        Assert.Contains(KubernetesSchemas.Instance.Validate(doc), e => e.Contains("rng.rate: unknown field", StringComparison.Ordinal));
    }

    [Fact]
    public void Validator_RejectsBrokenNadAndNncp()
    {
        var nad = ScenarioDoc(0);
        Assert.Empty(KubernetesSchemas.Instance.Validate(nad));
        nad["spec"]!.AsObject()["configs"] = "x";
        Assert.Contains(KubernetesSchemas.Instance.Validate(nad), e => e.Contains("spec.configs: unknown field", StringComparison.Ordinal));

        var nadWithoutNamespace = ScenarioDoc(0);
        nadWithoutNamespace["metadata"]!.AsObject().Remove("namespace");
        Assert.NotEmpty(KubernetesSchemas.Instance.Validate(nadWithoutNamespace));

        var nncp = ScenarioDoc(0, nncp: true);
        Assert.Equal("NodeNetworkConfigurationPolicy", nncp["kind"]!.GetValue<string>());
        Assert.Empty(KubernetesSchemas.Instance.Validate(nncp));
        nncp["metadata"]!.AsObject()["namespace"] = "default";
        Assert.Contains(KubernetesSchemas.Instance.Validate(nncp), e => e.Contains("cluster-scoped", StringComparison.Ordinal));

        var nncpBadSpec = ScenarioDoc(0, nncp: true);
        nncpBadSpec["spec"]!.AsObject()["nodeSelector"] = new JsonObject { ["a"] = 1 };
        Assert.NotEmpty(KubernetesSchemas.Instance.Validate(nncpBadSpec));

        var deprecated = ScenarioDoc(0, nncp: true);
        deprecated["apiVersion"] = "nmstate.io/v1beta1";
        Assert.Contains(KubernetesSchemas.Instance.Validate(deprecated), e => e.Contains("deprecated", StringComparison.Ordinal));
    }

    public static TheoryData<string, string> BrokenCniConfigs() => new()
    {
        { "vlan out of range", """{"cniVersion":"0.3.1","name":"n","plugins":[{"type":"bridge","bridge":"br1","vlan":4095}]}""" },
        { "vlan as string", """{"cniVersion":"0.3.1","name":"n","plugins":[{"type":"bridge","bridge":"br1","vlan":"1"}]}""" },
        { "misspelt key", """{"cniVersion":"0.3.1","name":"n","plugins":[{"type":"bridge","bridge":"br1","macspoofcheck":false}]}""" },
        { "tuning first", """{"cniVersion":"0.3.1","name":"n","plugins":[{"type":"cnv-tuning"},{"type":"cnv-bridge","bridge":"br1"}]}""" },
        { "unknown plugin", """{"cniVersion":"0.3.1","name":"n","plugins":[{"type":"ovs","bridge":"br1"}]}""" },
        { "no plugins", """{"cniVersion":"0.3.1","name":"n"}""" },
        { "unknown cniVersion", """{"cniVersion":"9.9.9","name":"n","plugins":[{"type":"bridge"}]}""" },
        { "reserved key", """{"cniVersion":"0.3.1","name":"n","plugins":[{"type":"bridge","prevResult":{}}]}""" },
        { "hairpin and promisc", """{"cniVersion":"0.3.1","name":"n","plugins":[{"type":"bridge","hairpinMode":true,"promiscMode":true}]}""" },
        { "name mismatch", """{"cniVersion":"0.3.1","name":"other","plugins":[{"type":"bridge"}]}""" },
        { "not json", """{"cniVersion":"0.3.1",""" },
    };

    [Theory]
    [MemberData(nameof(BrokenCniConfigs))]
    public void CniValidator_RejectsBrokenConfig(string what, string config) =>
        Assert.True(CniConfigValidator.Validate(config, "n").Count > 0, $"CNI validator accepted {what}");

    [Fact]
    public void CniValidator_AcceptsTheUpstreamDocumentedShapes()
    {
        Assert.Empty(CniConfigValidator.Validate("""{"cniVersion":"0.3.1","name":"n","plugins":[{"type":"cnv-bridge","bridge":"br1","vlan":1},{"type":"cnv-tuning"}]}""", "n"));
        Assert.Empty(CniConfigValidator.Validate("""{"cniVersion":"1.0.0","name":"n","plugins":[{"type":"bridge","bridge":"br1","vlan":100,"macspoofchk":false,"preserveDefaultVlan":false,"ipam":{}},{"type":"tuning","sysctl":{"net.ipv6.conf.IFNAME.disable_ipv6":"1"}}]}""", "n"));
    }

    [Fact]
    public void OpenApiValidator_ReportsSchemaKeywordsItDoesNotImplement()
    {
        var schema = JsonNode.Parse("""{"type":"string","x-kubernetes-future-rule":true}""")!;
        Assert.Contains(new OpenApiValidator(null).Validate(JsonValue.Create("a"), schema), e => e.Contains("not implemented", StringComparison.Ordinal));
    }

    private static void Mutate(JsonObject doc, JsonNode mutation)
    {
        JsonNode target = doc;
        foreach (var part in mutation["path"]!.GetValue<string>().Split('.', StringSplitOptions.RemoveEmptyEntries))
        {
            target = int.TryParse(part, out int i) ? target[i]! : target[part]!;
        }

        string key = mutation["key"]!.GetValue<string>();
        if (mutation["op"]!.GetValue<string>() == "remove")
        {
            Assert.True(target.AsObject().Remove(key));
        }
        else
        {
            target[key] = mutation["value"]!.DeepClone();
        }
    }
}
