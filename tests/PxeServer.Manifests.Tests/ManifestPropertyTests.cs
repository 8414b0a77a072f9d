using System.Text.Json.Nodes;
using PxeServer.Catalog.Model;
using PxeServer.Manifests.Validation;
using PxeServer.Protocols;
using Xunit;

namespace PxeServer.Manifests;

/// <summary>
/// Random requests (fixed seeds, so failures reproduce): whenever <see cref="ManifestGenerator.Check"/> passes, every
/// generated document is schema-valid, admission-valid and CNI-valid; whenever it fails, nothing is generated.
/// </summary>
public sealed class ManifestPropertyTests
{
    // Each dimension: valid values first, then invalid ones; Pick() takes an invalid one one time in ten.
    private static readonly (string[] Valid, string[] Invalid) s_names = (["vmi-pxe-boot", "a", "node-1", new('x', 60)], ["Upper", "under_score", "dot.ted", "-lead", "trail-", new('x', 64)]);
    private static readonly (string[] Valid, string[] Invalid) s_namespaces = (["default", "pxe-lab", "x"], ["Lab", "a.b"]);
    private static readonly (string[] Valid, string[] Invalid) s_bridges = (["br1", "br0.100", "br\"q", "vmbr0"], ["bridge-name-long", "br 1", "br/1"]);
    private static readonly (string[] Valid, string[] Invalid) s_memories = (["1024M", "2Gi", "512Mi", "1.5Gi", "1e9"], ["1 GB", "lots"]);
    private static readonly (string[] Valid, string[] Invalid) s_profiles = (["fedora-netinst", "memtest"], ["missing"]);

    private static string Pick(Random random, (string[] Valid, string[] Invalid) values) => random.Next(10) == 0
        ? values.Invalid[random.Next(values.Invalid.Length)]
        : values.Valid[random.Next(values.Valid.Length)];

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void RandomRequests_EitherFailTheCheck_OrProduceOnlyValidDocuments(int seed)
    {
        var random = new Random(seed);
        int valid = 0;
        for (int run = 0; run < 60; run++)
        {
            var hosts = new List<HostEntry>();
            int count = random.Next(10) == 0 ? 0 : random.Next(1, 4);
            for (int i = 0; i < count; i++)
            {
                // Mostly unicast locally administered MACs; sometimes multicast or zero.
                ulong value = random.Next(20) switch
                {
                    0 => 0,
                    1 => 0x01005e000001UL,
                    _ => 0x525400000000UL + (uint)random.Next(0, 256),
                };
                hosts.Add(new HostEntry(
                    MacAddress.FromValue(value),
                    Pick(random, s_profiles),
                    random.Next(3) == 0 ? null : random.Next(15) == 0 ? Pick(random, s_names) : $"{Pick(random, s_names)}-{i}",
                    null,
                    random.Next(2) == 0 ? FirmwareKind.Bios : FirmwareKind.Efi));
            }

            var request = new ManifestRequest
            {
                KubeVirt = new KubeVirtOptions
                {
                    Namespace = Pick(random, s_namespaces),
                    Bridge = Pick(random, s_bridges),
                    Vlan = random.Next(10) == 0 ? random.Next(-1, 1) + (random.Next(2) * 4095) : random.Next(1, 4095),
                    Memory = Pick(random, s_memories),
                    BridgePort = random.Next(2) == 0 ? null : "ens4",
                },
                Hosts = hosts,
                ProfileNames = TestInputs.Profiles,
                Kind = random.Next(2) == 0 ? ManifestKind.Vmi : ManifestKind.Vm,
                Flavor = random.Next(2) == 0 ? NadFlavor.Bridge : NadFlavor.OpenshiftLegacy,
                WithNncp = random.Next(2) == 0,
            };

            var problems = ManifestGenerator.Check(request);
            if (problems.Count > 0)
            {
                Assert.Throws<ManifestCheckException>(() => ManifestGenerator.Generate(request));
                continue;
            }

            valid++;
            var readProblems = new List<string>();
            var docs = YamlJson.ParseStream(ManifestGenerator.Render(request), readProblems);
            Assert.Empty(readProblems);
            Assert.Equal(hosts.Count + 1 + (request.WithNncp ? 1 : 0), docs.Count);
            foreach (var doc in docs)
            {
                var errors = KubernetesSchemas.Instance.Validate(doc);
                string kind = doc!["kind"]!.GetValue<string>();
                if (kind.StartsWith("VirtualMachine", StringComparison.Ordinal))
                {
                    errors.AddRange(KubeVirtSemantics.Validate(doc));
                }
                else if (kind == "NetworkAttachmentDefinition")
                {
                    errors.AddRange(CniConfigValidator.Validate(doc["spec"]!["config"]!.GetValue<string>(), doc["metadata"]!["name"]!.GetValue<string>()));
                }

                Assert.True(errors.Count == 0, $"seed {seed} run {run} {kind}: {string.Join("; ", errors)}\n{doc.ToJsonString()}");
            }
        }

        // The generator must have been exercised, not only the checker.
        Assert.True(valid >= 10, $"only {valid} valid requests for seed {seed}");
    }
}
