using System.Security.Cryptography;

namespace PxeServer.Catalog.Editing;

/// <summary>
/// Writes that never leave a half-written file: write a temporary file in the same folder, flush it to disk, then
/// rename it over the target (rename is atomic within a file system). Temporary names start with '.' so the catalog
/// watcher ignores them.
/// </summary>
internal static class AtomicFile
{
    /// <summary>Writes <paramref name="text"/> (UTF-8, no BOM) to <paramref name="path"/> atomically.</summary>
    public static void WriteAllText(string path, string text)
    {
        string tmp = TempNameFor(path);
        try
        {
            using (var fs = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            using (var w = new StreamWriter(fs, new System.Text.UTF8Encoding(false)))
            {
                w.Write(text);
                w.Flush();
                fs.Flush(flushToDisk: true);
            }

            File.Move(tmp, path, overwrite: true);
        }
        finally
        {
            File.Delete(tmp); // no-op after a successful move
        }
    }

    /// <summary>
    /// Copies <paramref name="source"/> to <paramref name="destination"/> atomically and returns its SHA-256
    /// (lower-case hex), computed from the bytes as they are copied. <paramref name="progress"/> gets bytes copied so far.
    /// </summary>
    public static string CopyWithSha256(string source, string destination, Action<long, long>? progress = null)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
        string tmp = TempNameFor(destination);
        try
        {
            string sha;
            using (var input = new FileStream(source, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan))
            using (var output = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            using (var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256))
            {
                long total = input.Length, done = 0;
                var buffer = new byte[1 << 20];
                int n;
                while ((n = input.Read(buffer, 0, buffer.Length)) > 0)
                {
                    hash.AppendData(buffer, 0, n);
                    output.Write(buffer, 0, n);
                    done += n;
                    progress?.Invoke(done, total);
                }

                output.Flush(flushToDisk: true);
                sha = Convert.ToHexStringLower(hash.GetHashAndReset());
            }

            File.Move(tmp, destination, overwrite: true);
            return sha;
        }
        finally
        {
            File.Delete(tmp);
        }
    }

    /// <summary>SHA-256 of a file, lower-case hex.</summary>
    public static string Sha256Of(string path)
    {
        using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        return Convert.ToHexStringLower(SHA256.HashData(fs));
    }

    /// <summary><c>dir/.name.tmp-&lt;random&gt;</c>.</summary>
    public static string TempNameFor(string path) =>
        Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path))!, "." + Path.GetFileName(path) + ".tmp-" + Guid.NewGuid().ToString("N")[..12]);

    /// <summary>True for names <see cref="TempNameFor"/> produces (left behind only by a crash).</summary>
    public static bool IsTempName(string fileName) => fileName.StartsWith('.') && fileName.Contains(".tmp-", StringComparison.Ordinal);
}
