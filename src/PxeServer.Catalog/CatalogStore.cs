using PxeServer.Catalog.Loading;
using PxeServer.Catalog.Model;

namespace PxeServer.Catalog;

/// <summary>
/// Holds the live <see cref="CatalogSnapshot"/>. A reload swaps the reference atomically: readers (DHCP, TFTP,
/// transfers in flight) keep the snapshot they already hold; an invalid catalog never replaces a good one.
/// </summary>
public sealed class CatalogStore
{
    private readonly TimeProvider _time;
    private volatile CatalogSnapshot _current;

    /// <summary>Wraps an already loaded snapshot.</summary>
    public CatalogStore(CatalogSnapshot initial, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(initial);
        _current = initial;
        _time = time ?? TimeProvider.System;
    }

    /// <summary>Loads <paramref name="directory"/>; throws <see cref="CatalogLoadException"/> listing every problem.</summary>
    public static CatalogStore Load(string directory, TimeProvider? time = null) => new(CatalogLoader.Load(directory, time), time);

    /// <summary>The live snapshot.</summary>
    public CatalogSnapshot Current => _current;

    /// <summary>The catalog directory (full path).</summary>
    public string Directory => _current.Directory;

    /// <summary>Raised after a successful reload with the new snapshot.</summary>
    public event EventHandler<CatalogSnapshot>? Reloaded;

    /// <summary>Re-reads the directory. On success the new snapshot goes live; on failure the old one stays and <paramref name="errors"/> says why.</summary>
    public bool TryReload(out IReadOnlyList<CatalogError> errors)
    {
        if (!CatalogLoader.TryLoad(Directory, out var next, out errors, _time))
        {
            return false;
        }

        _current = next!;
        Reloaded?.Invoke(this, next!);
        return true;
    }
}
