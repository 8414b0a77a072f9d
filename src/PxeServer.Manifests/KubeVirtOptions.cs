using System.Text.RegularExpressions;

namespace PxeServer.Manifests;

/// <summary>Which CNI plugin names the NetworkAttachmentDefinition uses.</summary>
public enum NadFlavor
{
    /// <summary><c>cnv-bridge</c> + <c>cnv-tuning</c>, as in the OpenShift 4.x PXE procedure.</summary>
    OpenshiftLegacy,

    /// <summary>Upstream <c>bridge</c> + <c>tuning</c>.</summary>
    Bridge,
}

/// <summary>The <c>kubevirt:</c> section: what the manifest generator writes.</summary>
public sealed partial class KubeVirtOptions
{
    /// <summary>Configuration section name.</summary>
    public const string SectionName = "kubevirt";

    /// <summary>Namespace of the NAD and the VMs.</summary>
    public string Namespace { get; set; } = "default";

    /// <summary>Linux bridge on the nodes.</summary>
    public string Bridge { get; set; } = "br1";

    /// <summary>VLAN of the access port (1..4094).</summary>
    public int Vlan { get; set; } = 1;

    /// <summary>NetworkAttachmentDefinition name.</summary>
    public string NadName { get; set; } = "pxe-net-conf";

    /// <summary>CNI plugin flavour.</summary>
    public NadFlavor Flavor { get; set; } = NadFlavor.OpenshiftLegacy;

    /// <summary>
    /// Container image of the virtio <c>containerdisk</c> (boot order 2): what the VM boots when PXE
    /// offers nothing. Any image with an embedded disk works.
    /// </summary>
    public string ContainerDiskImage { get; set; } = DefaultContainerDiskImage;

    /// <summary>Guest memory, a Kubernetes quantity (<c>resources.requests.memory</c>).</summary>
    public string Memory { get; set; } = "1024M";

    /// <summary><c>spec.runStrategy</c> of a VirtualMachine (<c>--kind vm</c>).</summary>
    public string RunStrategy { get; set; } = "Always";

    /// <summary>
    /// Node NIC that the NodeNetworkConfigurationPolicy (<c>--with-nncp</c>) enslaves to the bridge,
    /// e.g. <c>ens4</c>; empty = a bridge without ports (VMs on one node only reach each other).
    /// </summary>
    public string? BridgePort { get; set; }

    /// <summary>The default <see cref="ContainerDiskImage"/>.</summary>
    public const string DefaultContainerDiskImage = "quay.io/containerdisks/fedora:latest";

    /// <summary>The run strategies KubeVirt accepts for a VirtualMachine.</summary>
    public static IReadOnlyList<string> RunStrategies { get; } = ["Always", "RerunOnFailure", "Manual", "Halted", "Once"];

    /// <summary>Adds every problem to <paramref name="errors"/> as <c>key: message</c>.</summary>
    public void Validate(ICollection<string> errors)
    {
        if (!Dns1123Label().IsMatch(Namespace ?? string.Empty))
        {
            errors.Add($"kubevirt.namespace: '{Namespace}' is not a DNS-1123 label");
        }

        if (!Dns1123Label().IsMatch(NadName ?? string.Empty))
        {
            errors.Add($"kubevirt.nadName: '{NadName}' is not a DNS-1123 label");
        }

        if (!IsInterfaceName(Bridge))
        {
            errors.Add($"kubevirt.bridge: '{Bridge}' is not a Linux interface name (1..15 characters)");
        }

        if (Vlan is < 1 or > 4094)
        {
            errors.Add($"kubevirt.vlan: {Vlan} is outside 1..4094");
        }

        if (!Enum.IsDefined(Flavor))
        {
            errors.Add($"kubevirt.flavor: '{Flavor}' is not openshift-legacy or bridge");
        }

        if (string.IsNullOrWhiteSpace(ContainerDiskImage) || ContainerDiskImage.Any(char.IsWhiteSpace))
        {
            errors.Add($"kubevirt.containerDiskImage: '{ContainerDiskImage}' is not an image reference");
        }

        if (!Quantity().IsMatch(Memory ?? string.Empty))
        {
            errors.Add($"kubevirt.memory: '{Memory}' is not a Kubernetes quantity (e.g. 1024M, 2Gi)");
        }

        if (!RunStrategies.Contains(RunStrategy, StringComparer.Ordinal))
        {
            errors.Add($"kubevirt.runStrategy: '{RunStrategy}' is not one of {string.Join(", ", RunStrategies)}");
        }

        if (!string.IsNullOrEmpty(BridgePort) && !IsInterfaceName(BridgePort))
        {
            errors.Add($"kubevirt.bridgePort: '{BridgePort}' is not a Linux interface name (1..15 characters, no '/', ':' or whitespace)");
        }
    }

    /// <summary>Linux interface name rules (dev_valid_name): 1..15 bytes, no '/', ':' or whitespace, not '.' or '..'.</summary>
    internal static bool IsInterfaceName(string? name) =>
        !string.IsNullOrEmpty(name) && name.Length <= 15 && name is not ("." or "..") &&
        !name.Any(c => c is '/' or ':' || char.IsWhiteSpace(c) || c > '~');

    /// <summary>True for a DNS-1123 label: lower-case alphanumerics and '-', 1..63 characters, alphanumeric at both ends.</summary>
    internal static bool IsDns1123Label(string? name) => Dns1123Label().IsMatch(name ?? string.Empty);

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")]
    private static partial Regex Dns1123Label();

    // Kubernetes resource.Quantity: signed decimal number with a binary-SI, decimal-SI or exponent suffix.
    [GeneratedRegex(@"^[+]?([0-9]+(\.[0-9]*)?|\.[0-9]+)(Ki|Mi|Gi|Ti|Pi|Ei|m|k|M|G|T|P|E|[eE][+-]?[0-9]+)?$")]
    private static partial Regex Quantity();
}
