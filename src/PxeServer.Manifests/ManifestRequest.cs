using PxeServer.Catalog.Model;

namespace PxeServer.Manifests;

/// <summary>What kind of KubeVirt object each host becomes.</summary>
public enum ManifestKind
{
    /// <summary>A <c>VirtualMachineInstance</c>: boots once, gone when deleted or stopped.</summary>
    Vmi,

    /// <summary>A <c>VirtualMachine</c> with <c>spec.runStrategy</c>, wrapping the same instance template.</summary>
    Vm,
}

/// <summary>Everything the generator reads: plain inputs, so it does not depend on how config or catalog are loaded.</summary>
public sealed record ManifestRequest
{
    /// <summary>The <c>kubevirt:</c> section.</summary>
    public required KubeVirtOptions KubeVirt { get; init; }

    /// <summary>The catalog's hosts.</summary>
    public required IReadOnlyList<HostEntry> Hosts { get; init; }

    /// <summary>Profile names in the catalog; a host whose profile is missing is a problem.</summary>
    public required IReadOnlyCollection<string> ProfileNames { get; init; }

    /// <summary>Restricts the output to these MACs (any spelling); each must be in <see cref="Hosts"/>. Empty = every host.</summary>
    public IReadOnlyList<string> Macs { get; init; } = [];

    /// <summary>VMI (default) or VM.</summary>
    public ManifestKind Kind { get; init; } = ManifestKind.Vmi;

    /// <summary>Overrides <see cref="KubeVirtOptions.Flavor"/> when set.</summary>
    public NadFlavor? Flavor { get; init; }

    /// <summary>Also emit the NodeNetworkConfigurationPolicy that creates the bridge.</summary>
    public bool WithNncp { get; init; }

    /// <summary>The flavour in effect.</summary>
    public NadFlavor EffectiveFlavor => Flavor ?? KubeVirt.Flavor;
}

/// <summary>One generated Kubernetes object.</summary>
/// <param name="ApiVersion">e.g. <c>kubevirt.io/v1</c>.</param>
/// <param name="Kind">e.g. <c>VirtualMachineInstance</c>.</param>
/// <param name="Name">metadata.name.</param>
/// <param name="Yaml">The object as one YAML document, starting with <c>---</c>.</param>
public sealed record GeneratedManifest(string ApiVersion, string Kind, string Name, string Yaml);

/// <summary>Thrown by <see cref="ManifestGenerator.Generate"/> when the inputs have problems; lists every one.</summary>
public sealed class ManifestCheckException : Exception
{
    /// <summary>Creates the exception from the problem list.</summary>
    public ManifestCheckException(IReadOnlyList<string> problems)
        : base("The manifests cannot be generated:" + Environment.NewLine + string.Join(Environment.NewLine, problems.Select(p => "  " + p))) =>
        Problems = problems;

    /// <summary>Creates an exception with one message.</summary>
    public ManifestCheckException()
        : this(["unknown problem"])
    {
    }

    /// <summary>Creates an exception with one message.</summary>
    public ManifestCheckException(string message)
        : this([message])
    {
    }

    /// <summary>Creates an exception with one message and an inner exception.</summary>
    public ManifestCheckException(string message, Exception innerException)
        : base(message, innerException) => Problems = [message];

    /// <summary>Every problem, one line each.</summary>
    public IReadOnlyList<string> Problems { get; }
}
