namespace PxeServer.Catalog;

/// <summary>The <c>catalog:</c> section.</summary>
public sealed class CatalogOptions
{
    /// <summary>Configuration section name.</summary>
    public const string SectionName = "catalog";

    /// <summary>The catalog directory: profiles, their files, loaders and <c>hosts.yaml</c>.</summary>
    public string Path { get; set; } = "boot-images";

    /// <summary>Profile for MACs no host or rule matches, used when <c>dhcp.unknownClients</c> is <c>default</c>.</summary>
    public string? DefaultProfile { get; set; }

    /// <summary>Watch the catalog and reload on change.</summary>
    public bool Watch { get; set; } = true;

    /// <summary>Adds every problem to <paramref name="errors"/> as <c>key: message</c>.</summary>
    public void Validate(ICollection<string> errors)
    {
        if (string.IsNullOrWhiteSpace(Path))
        {
            errors.Add("catalog.path: must name a directory");
        }
    }
}
