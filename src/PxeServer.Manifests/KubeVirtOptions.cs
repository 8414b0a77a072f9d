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

        if (string.IsNullOrWhiteSpace(Bridge) || Bridge.Length > 15)
        {
            errors.Add($"kubevirt.bridge: '{Bridge}' is not a Linux interface name (1..15 characters)");
        }

        if (Vlan is < 1 or > 4094)
        {
            errors.Add($"kubevirt.vlan: {Vlan} is outside 1..4094");
        }
    }

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")]
    private static partial Regex Dns1123Label();
}
