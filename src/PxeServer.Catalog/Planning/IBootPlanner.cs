using System.Net;
using PxeServer.Protocols;
using PxeServer.Protocols.Dhcp;

namespace PxeServer.Catalog.Planning;

/// <summary>
/// The one place that decides what a client gets. DHCP, ProxyDHCP, TFTP (virtual per-MAC files),
/// <c>pxe explain</c> and the manifest generator all ask it; none re-implements MAC matching.
/// Implementations are thread-safe and answer from an immutable catalog snapshot; a call never blocks on I/O.
/// </summary>
public interface IBootPlanner
{
    /// <summary>Decides what a client that sent <paramref name="request"/> gets.</summary>
    BootDecision Decide(BootRequest request);

    /// <summary>
    /// A file rendered in memory from the live catalog (per-MAC iPXE script, <c>pxelinux.cfg/01-&lt;mac&gt;</c>, ...),
    /// by its path relative to the TFTP/HTTP root with forward slashes and no leading slash.
    /// Returns false when no such virtual file exists; the caller then looks on disk.
    /// </summary>
    /// <param name="path">Normalised relative path, e.g. <c>pxelinux.cfg/01-de-00-00-00-00-de</c>.</param>
    /// <param name="client">The requesting client's address, when known (used for <c>${ip}</c>).</param>
    /// <param name="content">The rendered bytes.</param>
    bool TryGetVirtualFile(string path, IPAddress? client, out ReadOnlyMemory<byte> content);
}

/// <summary>What a client said about itself, from DHCP (or from <c>pxe explain</c>).</summary>
/// <param name="Mac">chaddr.</param>
/// <param name="Architecture">Option 93; null when absent (then a plain BIOS client is assumed).</param>
/// <param name="IsIpxe">True when the client is already iPXE (option 77 user-class <c>iPXE</c> or option 175 present).</param>
/// <param name="UserClass">Option 77 as text, if any.</param>
/// <param name="VendorClass">Option 60 as text, if any (e.g. <c>PXEClient:Arch:00007:UNDI:003000</c>).</param>
/// <param name="ClientAddress">The address the client has or is being offered, when known (for <c>${ip}</c>).</param>
public sealed record BootRequest(
    MacAddress Mac,
    ClientArchitecture? Architecture = null,
    bool IsIpxe = false,
    string? UserClass = null,
    string? VendorClass = null,
    IPAddress? ClientAddress = null);

/// <summary>How a MAC was matched to a host or profile, highest priority first.</summary>
public enum MatchKind
{
    /// <summary>No rule matched.</summary>
    None = 0,

    /// <summary>A host entry with exactly this MAC.</summary>
    ExactMac,

    /// <summary>A rule that lists this MAC among others.</summary>
    MacList,

    /// <summary>A MAC prefix such as <c>de:00:00:*</c> (an OUI).</summary>
    MacPrefix,

    /// <summary>The catalog's default profile for unknown MACs.</summary>
    Default,
}

/// <summary>The outcome of a decision.</summary>
public enum BootOutcome
{
    /// <summary>Boot this client: <see cref="BootDecision.BootFile"/> is set.</summary>
    Boot,

    /// <summary>Stay silent: the MAC is unknown and the policy is <c>ignore</c>.</summary>
    Ignore,

    /// <summary>Matched, but cannot be served (e.g. the profile has no loader for this architecture). Stay silent and log the reason.</summary>
    Refuse,
}

/// <summary>What the planner decided, and why.</summary>
public sealed record BootDecision
{
    /// <summary>Boot, ignore or refuse.</summary>
    public required BootOutcome Outcome { get; init; }

    /// <summary>One human sentence that says why (shown by <c>pxe explain</c> and logged at Debug).</summary>
    public required string Reason { get; init; }

    /// <summary>Which rule matched.</summary>
    public MatchKind Match { get; init; }

    /// <summary>The matched rule's text (e.g. <c>de:00:00:*</c>), when there is one.</summary>
    public string? MatchedRule { get; init; }

    /// <summary>The profile chosen, when one was.</summary>
    public string? Profile { get; init; }

    /// <summary>The host's name from <c>hosts.yaml</c>, when the MAC is a known host.</summary>
    public string? Hostname { get; init; }

    /// <summary>The host's reserved IPv4 address (full DHCP mode), when it has one.</summary>
    public IPAddress? ReservedAddress { get; init; }

    /// <summary>
    /// The file the client loads next, relative to the TFTP root (forward slashes, no leading slash):
    /// a loader such as <c>loaders/undionly.kpxe</c>, or for a client that is already iPXE its per-MAC script.
    /// Null unless <see cref="Outcome"/> is <see cref="BootOutcome.Boot"/>.
    /// </summary>
    public string? BootFile { get; init; }

    /// <summary>The loader kind the chain uses (<c>ipxe</c> or <c>syslinux</c>), when booting.</summary>
    public string? Chain { get; init; }

    /// <summary>
    /// The server clients fetch files from (DHCP <c>siaddr</c> / next-server), when the planner was told it
    /// (<c>server.address</c>); null means "the address of the interface that answered".
    /// </summary>
    public IPAddress? NextServer { get; init; }

    /// <summary>
    /// The per-MAC virtual file this client's chain reads after the loader (iPXE script or
    /// <c>pxelinux.cfg/01-&lt;mac&gt;</c>), relative to the TFTP root; see <see cref="IBootPlanner.TryGetVirtualFile"/>.
    /// </summary>
    public string? ConfigFile { get; init; }

    /// <summary>The loader slot the client's option 93 mapped to (<c>bios</c>, <c>efi-x64</c>, ...), when it mapped.</summary>
    public string? ArchitectureKey { get; init; }

    /// <summary>A decision to stay silent (unknown MAC, policy ignore), with the reason.</summary>
    public static BootDecision Ignored(string reason) => new() { Outcome = BootOutcome.Ignore, Reason = reason };
}
