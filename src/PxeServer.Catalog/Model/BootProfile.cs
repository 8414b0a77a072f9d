using PxeServer.Protocols;

namespace PxeServer.Catalog.Model;

/// <summary>A file the catalog serves, with its expected checksum.</summary>
/// <param name="Path">Relative to the catalog directory, forward slashes (or an absolute http:// URL for HTTP-boot loaders).</param>
/// <param name="Sha256">Lower-case hex SHA-256; null only for URLs.</param>
public sealed record CatalogFile(string Path, string? Sha256)
{
    /// <summary>True when <see cref="Path"/> is a URL rather than a file in the catalog.</summary>
    public bool IsUrl => Path.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || Path.StartsWith("https://", StringComparison.OrdinalIgnoreCase);

    /// <summary>The file name (last path segment).</summary>
    public string FileName => Path[(Path.LastIndexOf('/') + 1)..];
}

/// <summary>One <c>profiles/&lt;name&gt;.yaml</c>: what a client boots.</summary>
public sealed record BootProfile
{
    /// <summary>Profile name; equals the file name without <c>.yaml</c>.</summary>
    public required string Name { get; init; }

    /// <summary>Free text.</summary>
    public string? Description { get; init; }

    /// <summary>The kernel.</summary>
    public required CatalogFile Kernel { get; init; }

    /// <summary>Initrds in load order.</summary>
    public IReadOnlyList<CatalogFile> Initrds { get; init; } = [];

    /// <summary>Kernel command line template (<c>${mac}</c>, <c>${ip}</c>, <c>${hostname}</c>, <c>${profile}</c>, <c>${server}</c>).</summary>
    public string Cmdline { get; init; } = string.Empty;

    /// <summary>Append <c>BOOTIF=01-&lt;mac&gt;</c> (pxelinux style). Default true.</summary>
    public bool BootIf { get; init; } = true;

    /// <summary>iPXE (default) or SYSLINUX.</summary>
    public BootChain Chain { get; init; } = BootChain.Ipxe;

    /// <summary>Per-architecture loader overrides.</summary>
    public IReadOnlyDictionary<LoaderArchitecture, CatalogFile> Loaders { get; init; } = new Dictionary<LoaderArchitecture, CatalogFile>();

    /// <summary>Every file the profile references (kernel, initrds, loader overrides that are not URLs).</summary>
    public IEnumerable<CatalogFile> Files
    {
        get
        {
            yield return Kernel;
            foreach (var i in Initrds)
            {
                yield return i;
            }

            foreach (var l in Loaders.OrderBy(p => p.Key).Select(p => p.Value))
            {
                if (!l.IsUrl)
                {
                    yield return l;
                }
            }
        }
    }
}

/// <summary>A group rule of <c>hosts.yaml</c>: a MAC list or a MAC prefix mapped to a profile.</summary>
/// <param name="Name">Rule name (for <c>pxe explain</c> and logs).</param>
/// <param name="Profile">Profile name.</param>
/// <param name="Macs">Listed MACs (empty for a prefix rule).</param>
/// <param name="Prefix">The MAC prefix (null for a list rule).</param>
public sealed record HostRule(string Name, string Profile, IReadOnlyList<MacAddress> Macs, MacPrefix? Prefix);
