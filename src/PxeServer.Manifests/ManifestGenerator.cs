using System.Text;
using System.Text.RegularExpressions;
using PxeServer.Catalog.Model;
using PxeServer.Manifests.Yaml;
using PxeServer.Protocols;

namespace PxeServer.Manifests;

/// <summary>
/// Writes the Kubernetes objects that make a KubeVirt VM PXE-boot from this server, from the same
/// configuration and hosts the server uses: a NetworkAttachmentDefinition for the bridge and VLAN, one
/// VirtualMachineInstance (or VirtualMachine) per host with the host's MAC on a bridge-bound NIC at boot
/// order 1, and optionally the NodeNetworkConfigurationPolicy that creates the bridge.
/// </summary>
/// <remarks>
/// The output is a multi-document YAML stream whose bytes depend only on the inputs: keys are written in a
/// fixed order, documents are ordered NNCP, NAD, then VMs by name, and nothing time- or host-dependent is
/// written. See docs/manifests.md.
/// </remarks>
public static partial class ManifestGenerator
{
    /// <summary>The VM's interface and network on the PXE VLAN.</summary>
    public const string PxeNetworkName = "pxe-net";

    /// <summary>The VM's pod-network interface and network.</summary>
    public const string PodNetworkName = "default";

    /// <summary>The fallback disk and its volume.</summary>
    public const string ContainerDiskName = "containerdisk";

    /// <summary>Boot order of the PXE NIC: tried first.</summary>
    public const int NicBootOrder = 1;

    /// <summary>Boot order of the container disk: tried when PXE offers nothing.</summary>
    public const int DiskBootOrder = 2;

    /// <summary>Label value of <c>app.kubernetes.io/managed-by</c> on every object.</summary>
    public const string ManagedBy = "pxeserver";

    /// <summary>Annotation that records the catalog profile a VM boots.</summary>
    public const string ProfileAnnotation = "pxeserver/profile";

    /// <summary>
    /// Every problem that stops generation, one line each: the options, each <c>--mac</c>, each selected host
    /// (unicast MAC, existing profile, DNS-1123 name), duplicates, and unique boot orders per VM. Empty = fine.
    /// </summary>
    public static IReadOnlyList<string> Check(ManifestRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var problems = new List<string>();
        var options = request.KubeVirt;
        options.Validate(problems);
        if (!Enum.IsDefined(request.Kind))
        {
            problems.Add($"--kind: '{request.Kind}' is not vmi or vm");
        }

        if (request.Flavor is { } flavor && !Enum.IsDefined(flavor))
        {
            problems.Add($"--flavor: '{flavor}' is not openshift-legacy or bridge");
        }

        var selected = SelectHosts(request, problems);
        if (selected.Count == 0 && request.Macs.Count == 0)
        {
            problems.Add("hosts: the catalog has no hosts, so there is no VM to generate (add hosts to hosts.yaml)");
        }

        foreach (var host in selected)
        {
            string who = $"host {host.Mac}";
            if (!host.Mac.IsUnicast)
            {
                problems.Add($"{who}: the MAC is not a unicast address (zero, or the group bit of the first octet is set); a NIC cannot have it");
            }

            if (string.IsNullOrWhiteSpace(host.Profile) || !request.ProfileNames.Contains(host.Profile))
            {
                problems.Add($"{who}: profile '{host.Profile}' does not exist in the catalog");
            }

            string name = VmName(host);
            if (!KubeVirtOptions.IsDns1123Label(name))
            {
                problems.Add($"{who}: name '{name}' is not a DNS-1123 label (a-z, 0-9 and '-', at most 63 characters, alphanumeric at both ends); it becomes the VM name");
            }

            problems.AddRange(CheckBootOrders(BuildInstanceSpec(host, options), who));
        }

        foreach (var dup in selected.GroupBy(h => h.Mac).Where(g => g.Count() > 1))
        {
            problems.Add($"hosts: MAC {dup.Key} appears in {dup.Count()} hosts");
        }

        foreach (var dup in selected.GroupBy(VmName, StringComparer.Ordinal).Where(g => g.Count() > 1))
        {
            problems.Add($"hosts: VM name '{dup.Key}' is used by {string.Join(", ", dup.Select(h => h.Mac.ToString()))}; names must be unique in namespace '{options.Namespace}'");
        }

        if (request.WithNncp && (NncpName(options).Length > 253 || !Dns1123Subdomain().IsMatch(NncpName(options))))
        {
            problems.Add($"--with-nncp: the policy name '{NncpName(options)}' derived from kubevirt.bridge is not a DNS-1123 subdomain; use a lower-case bridge name");
        }

        return problems;
    }

    /// <summary>
    /// Checks the request, then builds every object. Throws <see cref="ManifestCheckException"/> listing every
    /// problem from <see cref="Check"/>; nothing is produced unless all checks pass.
    /// </summary>
    public static IReadOnlyList<GeneratedManifest> Generate(ManifestRequest request)
    {
        var problems = Check(request);
        if (problems.Count > 0)
        {
            throw new ManifestCheckException(problems);
        }

        var result = new List<GeneratedManifest>();
        foreach (var (apiVersion, kind, name, document) in BuildDocuments(request))
        {
            var sb = new StringBuilder();
            YamlEmitter.WriteDocument(sb, document);
            result.Add(new GeneratedManifest(apiVersion, kind, name, sb.ToString()));
        }

        return result;
    }

    /// <summary>The whole YAML stream (<see cref="Generate"/> joined).</summary>
    public static string Render(ManifestRequest request) => string.Concat(Generate(request).Select(m => m.Yaml));

    /// <summary>The VM name for <paramref name="host"/>: its name, else <c>pxe-</c> and the MAC with dashes.</summary>
    public static string VmName(HostEntry host)
    {
        ArgumentNullException.ThrowIfNull(host);
        return string.IsNullOrWhiteSpace(host.Name) ? "pxe-" + host.Mac.ToString('-') : host.Name;
    }

    /// <summary>The NodeNetworkConfigurationPolicy name: <c>&lt;bridge&gt;-policy</c>.</summary>
    public static string NncpName(KubeVirtOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.Bridge + "-policy";
    }

    /// <summary>The hosts the request selects, in output order (VM name, then MAC). Adds <c>--mac</c> problems.</summary>
    internal static List<HostEntry> SelectHosts(ManifestRequest request, List<string>? problems)
    {
        IEnumerable<HostEntry> hosts = request.Hosts;
        if (request.Macs.Count > 0)
        {
            var wanted = new HashSet<MacAddress>();
            foreach (var text in request.Macs)
            {
                if (!MacAddress.TryParse(text, out var mac))
                {
                    problems?.Add($"--mac '{text}': not a MAC address (expected e.g. de:00:00:00:00:de)");
                    continue;
                }

                if (!wanted.Add(mac))
                {
                    continue; // the same MAC twice (perhaps spelt differently): report it once
                }

                if (!mac.IsUnicast)
                {
                    problems?.Add($"--mac {mac}: not a unicast address; a NIC cannot have it");
                }

                if (!request.Hosts.Any(h => h.Mac == mac))
                {
                    problems?.Add($"--mac {mac}: no host with this MAC in the catalog's hosts");
                }
            }

            hosts = hosts.Where(h => wanted.Contains(h.Mac));
        }

        return [.. hosts.OrderBy(VmName, StringComparer.Ordinal).ThenBy(h => h.Mac)];
    }

    /// <summary>The objects in output order, as document models (tests inspect these).</summary>
    internal static List<(string ApiVersion, string Kind, string Name, YamlMap Document)> BuildDocuments(ManifestRequest request)
    {
        var options = request.KubeVirt;
        var docs = new List<(string, string, string, YamlMap)>();
        if (request.WithNncp)
        {
            docs.Add(("nmstate.io/v1", "NodeNetworkConfigurationPolicy", NncpName(options), BuildNncp(options)));
        }

        docs.Add(("k8s.cni.cncf.io/v1", "NetworkAttachmentDefinition", options.NadName, BuildNad(options, request.EffectiveFlavor)));
        foreach (var host in SelectHosts(request, problems: null))
        {
            string name = VmName(host);
            docs.Add(request.Kind == ManifestKind.Vm
                ? ("kubevirt.io/v1", "VirtualMachine", name, BuildVm(host, options))
                : ("kubevirt.io/v1", "VirtualMachineInstance", name, BuildVmi(host, options)));
        }

        return docs;
    }

    internal static YamlMap BuildNad(KubeVirtOptions options, NadFlavor flavor) => new()
    {
        { "apiVersion", "k8s.cni.cncf.io/v1" },
        { "kind", "NetworkAttachmentDefinition" },
        { "metadata", Metadata(options.NadName, options.Namespace, profile: null) },
        {
            "spec", new YamlMap
            {
                { "config", YamlScalar.Literal(CniConfig.Build(options.NadName, options.Bridge, options.Vlan, flavor)) },
            }
        },
    };

    internal static YamlMap BuildVmi(HostEntry host, KubeVirtOptions options) => new()
    {
        { "apiVersion", "kubevirt.io/v1" },
        { "kind", "VirtualMachineInstance" },
        { "metadata", Metadata(VmName(host), options.Namespace, host.Profile) },
        { "spec", BuildInstanceSpec(host, options) },
    };

    internal static YamlMap BuildVm(HostEntry host, KubeVirtOptions options) => new()
    {
        { "apiVersion", "kubevirt.io/v1" },
        { "kind", "VirtualMachine" },
        { "metadata", Metadata(VmName(host), options.Namespace, host.Profile) },
        {
            "spec", new YamlMap
            {
                { "runStrategy", options.RunStrategy },
                {
                    "template", new YamlMap
                    {
                        { "metadata", new YamlMap { { "labels", Labels() } } },
                        { "spec", BuildInstanceSpec(host, options) },
                    }
                },
            }
        },
    };

    /// <summary>
    /// The instance spec shared by VMI and VM: pod network (masquerade) plus the PXE NIC (bridge binding, the
    /// host's MAC, boot order 1) on the Multus network of the NAD; a virtio container disk at boot order 2.
    /// EFI hosts get OVMF with Secure Boot off and an RNG device: OVMF builds with the edk2 CVE-2023-45237 fix
    /// show no PXE boot entry without one (peers.md section 4). BIOS is KubeVirt's default and is left implicit.
    /// </summary>
    internal static YamlMap BuildInstanceSpec(HostEntry host, KubeVirtOptions options)
    {
        bool efi = host.Firmware == FirmwareKind.Efi;
        var devices = new YamlMap
        {
            {
                "disks", new YamlSeq
                {
                    new YamlMap
                    {
                        { "name", ContainerDiskName },
                        { "bootOrder", DiskBootOrder },
                        { "disk", new YamlMap { { "bus", "virtio" } } },
                    },
                }
            },
            {
                "interfaces", new YamlSeq
                {
                    new YamlMap
                    {
                        { "name", PodNetworkName },
                        { "masquerade", new YamlMap() },
                    },
                    new YamlMap
                    {
                        { "name", PxeNetworkName },
                        { "bridge", new YamlMap() },
                        { "macAddress", host.Mac.ToString() },
                        { "bootOrder", NicBootOrder },
                    },
                }
            },
        };
        if (efi)
        {
            devices.Add("rng", new YamlMap());
        }

        var domain = new YamlMap { { "devices", devices } };
        if (efi)
        {
            domain.Add("firmware", new YamlMap
            {
                { "bootloader", new YamlMap { { "efi", new YamlMap { { "secureBoot", false } } } } },
            });
        }

        domain.Add("resources", new YamlMap { { "requests", new YamlMap { { "memory", options.Memory } } } });

        return new YamlMap
        {
            { "domain", domain },
            {
                "networks", new YamlSeq
                {
                    new YamlMap
                    {
                        { "name", PodNetworkName },
                        { "pod", new YamlMap() },
                    },
                    new YamlMap
                    {
                        { "name", PxeNetworkName },
                        { "multus", new YamlMap { { "networkName", options.NadName } } },
                    },
                }
            },
            {
                "volumes", new YamlSeq
                {
                    new YamlMap
                    {
                        { "name", ContainerDiskName },
                        { "containerDisk", new YamlMap { { "image", options.ContainerDiskImage } } },
                    },
                }
            },
        };
    }

    /// <summary>
    /// A linux-bridge on every node matched by the policy (all nodes: no node selector), STP off, no IP, with
    /// <see cref="KubeVirtOptions.BridgePort"/> as its port. For a VLAN other than 1 the port is a trunk carrying
    /// that VLAN, because the bridge plugin turns on VLAN filtering and the port must let the tagged frames out.
    /// </summary>
    internal static YamlMap BuildNncp(KubeVirtOptions options)
    {
        var ports = new YamlSeq();
        if (!string.IsNullOrEmpty(options.BridgePort))
        {
            var port = new YamlMap { { "name", options.BridgePort } };
            if (options.Vlan != 1)
            {
                port.Add("vlan", new YamlMap
                {
                    { "mode", "trunk" },
                    { "trunk-tags", new YamlSeq { new YamlMap { { "id", options.Vlan } } } },
                });
            }

            ports.Add(port);
        }

        return new YamlMap
        {
            { "apiVersion", "nmstate.io/v1" },
            { "kind", "NodeNetworkConfigurationPolicy" },
            { "metadata", Metadata(NncpName(options), @namespace: null, profile: null) },
            {
                "spec", new YamlMap
                {
                    {
                        "desiredState", new YamlMap
                        {
                            {
                                "interfaces", new YamlSeq
                                {
                                    new YamlMap
                                    {
                                        { "name", options.Bridge },
                                        { "description", $"PXE boot bridge for NAD {options.NadName} (VLAN {options.Vlan})" },
                                        { "type", "linux-bridge" },
                                        { "state", "up" },
                                        { "ipv4", new YamlMap { { "enabled", false } } },
                                        { "ipv6", new YamlMap { { "enabled", false } } },
                                        {
                                            "bridge", new YamlMap
                                            {
                                                { "options", new YamlMap { { "stp", new YamlMap { { "enabled", false } } } } },
                                                { "port", ports },
                                            }
                                        },
                                    },
                                }
                            },
                        }
                    },
                }
            },
        };
    }

    private static YamlMap Labels() => new() { { "app.kubernetes.io/managed-by", ManagedBy } };

    // NNCP is cluster-scoped: no namespace.
    private static YamlMap Metadata(string name, string? @namespace, string? profile)
    {
        var meta = new YamlMap { { "name", name } };
        if (@namespace is not null)
        {
            meta.Add("namespace", @namespace);
        }

        meta.Add("labels", Labels());
        if (profile is not null)
        {
            meta.Add("annotations", new YamlMap { { ProfileAnnotation, profile } });
        }

        return meta;
    }

    /// <summary>KubeVirt: "Each interface or disk that has a boot order must have a unique value."</summary>
    internal static IEnumerable<string> CheckBootOrders(YamlMap instanceSpec, string who) =>
        BootOrders(instanceSpec).GroupBy(o => o).Where(g => g.Count() > 1)
            .Select(dup => $"{who}: boot order {dup.Key} is used by {dup.Count()} devices; KubeVirt needs unique boot orders");

    private static List<long> BootOrders(YamlMap instanceSpec)
    {
        var orders = new List<long>();
        if (instanceSpec["domain"] is YamlMap { } domain && domain["devices"] is YamlMap devices)
        {
            foreach (var list in new[] { devices["disks"], devices["interfaces"] })
            {
                foreach (var item in (list as YamlSeq) ?? [])
                {
                    if (item is YamlMap m && m["bootOrder"] is YamlScalar { Kind: YamlScalarKind.Integer } s)
                    {
                        orders.Add(long.Parse(s.Text, System.Globalization.CultureInfo.InvariantCulture));
                    }
                }
            }
        }

        return orders;
    }

    [GeneratedRegex(@"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")]
    private static partial Regex Dns1123Subdomain();
}
