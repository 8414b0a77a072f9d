using PxeServer.Tftp.Engine;

namespace PxeServer.Tftp.Files;

/// <summary>Why a disk lookup failed (logged; the client always gets the same answer).</summary>
internal enum FileLookupResult
{
    Found,
    NotFound,
    Forbidden,
}

/// <summary>
/// Files under the TFTP root. A path is served only if its real path (every symlink resolved) is inside
/// the real root and it is a regular file. Hot files up to <c>CacheMaxFileBytes</c> are kept in memory,
/// keyed by real path and validated against inode, size, mtime and ctime on every open, so a changed
/// file is re-read and a boot storm reads one kernel once; larger files are read block by block.
/// </summary>
internal sealed class DiskFileSource
{
    private readonly Lock _gate = new();
    private readonly string _realRoot;
    private readonly long _cacheMaxBytes;
    private readonly long _cacheMaxFileBytes;
    private readonly Dictionary<string, CacheEntry> _cache = new(StringComparer.Ordinal);
    private long _cachedBytes;
    private long _useCounter;

    public DiskFileSource(string realRoot, long cacheMaxBytes, long cacheMaxFileBytes)
    {
        _realRoot = realRoot.TrimEnd('/');
        _cacheMaxBytes = cacheMaxBytes;
        _cacheMaxFileBytes = Math.Min(cacheMaxFileBytes, cacheMaxBytes);
    }

    /// <summary>Files read from disk into the cache (a measure of cache misses).</summary>
    public long CacheLoads { get; private set; }

    /// <summary>Opens served from the cache.</summary>
    public long CacheHits { get; private set; }

    public long CachedBytes => Interlocked.Read(ref _cachedBytes);

    /// <summary>Resolves and opens <paramref name="relativePath"/> (already normalized by <see cref="TftpPath"/>).</summary>
    public FileLookupResult TryOpen(string relativePath, out ITftpFileContent? content, out string detail)
    {
        content = null;
        string candidate = _realRoot + "/" + relativePath;
        string? real = NativeFile.RealPath(candidate);
        if (real is null)
        {
            detail = "does not exist";
            return FileLookupResult.NotFound;
        }

        if (!real.StartsWith(_realRoot + "/", StringComparison.Ordinal))
        {
            detail = $"real path '{real}' is outside the root";
            return FileLookupResult.Forbidden;
        }

        if (!NativeFile.TryStat(real, out var identity))
        {
            detail = "vanished";
            return FileLookupResult.NotFound;
        }

        if (!identity.IsRegular)
        {
            detail = "not a regular file";
            return FileLookupResult.Forbidden;
        }

        detail = real;
        try
        {
            if (identity.Size <= _cacheMaxFileBytes)
            {
                content = OpenCached(real, identity);
                return FileLookupResult.Found;
            }

            var handle = File.OpenHandle(real, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            content = new DiskFileContent(handle, identity.Size);
            return FileLookupResult.Found;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            detail = e.Message;
            return FileLookupResult.Forbidden;
        }
    }

    /// <summary>Reads a whole file (for netascii conversion); null if it is not servable.</summary>
    public static byte[] ReadAll(ITftpFileContent content)
    {
        var bytes = new byte[content.Length];
        int read = content.Read(0, bytes);
        return read == bytes.Length ? bytes : bytes[..read];
    }

    private MemoryFileContent OpenCached(string real, FileIdentity identity)
    {
        lock (_gate)
        {
            if (_cache.TryGetValue(real, out var hit) && hit.Identity == identity)
            {
                hit.LastUse = ++_useCounter;
                CacheHits++;
                return new MemoryFileContent(hit.Bytes);
            }
        }

        byte[] bytes;
        using (var handle = File.OpenHandle(real, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete))
        {
            bytes = GC.AllocateUninitializedArray<byte>((int)identity.Size);
            int total = 0;
            while (total < bytes.Length)
            {
                int n = RandomAccess.Read(handle, bytes.AsSpan(total), total);
                if (n == 0)
                {
                    throw new IOException("file shrank while being read");
                }

                total += n;
            }
        }

        // Only cache what is known to be a consistent snapshot: the file must not have changed meanwhile.
        if (!NativeFile.TryStat(real, out var after) || after != identity)
        {
            return new MemoryFileContent(bytes);
        }

        lock (_gate)
        {
            CacheLoads++;
            if (_cache.Remove(real, out var old))
            {
                _cachedBytes -= old.Bytes.Length;
            }

            while (_cachedBytes + bytes.Length > _cacheMaxBytes && _cache.Count > 0)
            {
                var victim = _cache.MinBy(e => e.Value.LastUse);
                _cache.Remove(victim.Key);
                _cachedBytes -= victim.Value.Bytes.Length;
            }

            if (_cachedBytes + bytes.Length <= _cacheMaxBytes)
            {
                _cache[real] = new CacheEntry(identity, bytes) { LastUse = ++_useCounter };
                _cachedBytes += bytes.Length;
            }
        }

        return new MemoryFileContent(bytes);
    }

    private sealed class CacheEntry(FileIdentity identity, byte[] bytes)
    {
        public FileIdentity Identity { get; } = identity;

        public byte[] Bytes { get; } = bytes;

        public long LastUse { get; set; }
    }
}
