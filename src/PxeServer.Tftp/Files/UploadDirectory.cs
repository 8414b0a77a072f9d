namespace PxeServer.Tftp.Files;

/// <summary>Why an upload could not start (logged; the client gets the code <see cref="UploadDirectory"/> maps it to).</summary>
internal enum UploadOpenResult
{
    /// <summary>The temporary file is open.</summary>
    Created,

    /// <summary>The path leaves the upload root, is a symlink, a directory or a special file (ERROR 2).</summary>
    Forbidden,

    /// <summary>The directory does not exist; uploads never create directories (ERROR 2).</summary>
    MissingDirectory,

    /// <summary>The file exists and overwriting is off (ERROR 6).</summary>
    Exists,

    /// <summary>The temporary file could not be created (ERROR 2).</summary>
    Failed,
}

/// <summary>
/// The upload root (<c>tftp.uploadRoot</c>): resolves a normalized name (<see cref="TftpPath"/>) to a
/// destination inside the real root, with the same confinement as reads: the directory's real path (every
/// symlink resolved) must be inside the root. The final name itself may not be a symlink, a directory or
/// a special file, and an existing file is refused unless <c>tftp.uploadOverwrite</c> is set.
/// </summary>
internal sealed class UploadDirectory
{
    private readonly string _realRoot;
    private readonly bool _overwrite;

    /// <param name="realRoot">The upload root with every symlink resolved.</param>
    /// <param name="overwrite">Replace existing files (atomically) instead of refusing them.</param>
    public UploadDirectory(string realRoot, bool overwrite)
    {
        _realRoot = realRoot.TrimEnd('/');
        _overwrite = overwrite;
    }

    /// <summary>The real upload root.</summary>
    public string RealRoot => _realRoot;

    /// <summary>Opens a temporary file for <paramref name="relativePath"/>; <paramref name="detail"/> says why not (for the log).</summary>
    public UploadOpenResult TryCreate(string relativePath, bool netAscii, out UploadWriter? writer, out string detail)
    {
        writer = null;
        string candidate = _realRoot + "/" + relativePath;
        int slash = candidate.LastIndexOf('/');
        string directory = candidate[..slash];
        string name = candidate[(slash + 1)..];
        if (name.EndsWith(UploadWriter.TempSuffix, StringComparison.Ordinal))
        {
            detail = "names a temporary upload file";
            return UploadOpenResult.Forbidden;
        }

        string? realDirectory = NativeFile.RealPath(directory);
        if (realDirectory is null)
        {
            detail = $"directory '{directory}' does not exist (uploads never create directories)";
            return UploadOpenResult.MissingDirectory;
        }

        if (realDirectory != _realRoot && !realDirectory.StartsWith(_realRoot + "/", StringComparison.Ordinal))
        {
            detail = $"directory's real path '{realDirectory}' is outside the upload root";
            return UploadOpenResult.Forbidden;
        }

        if (!Directory.Exists(realDirectory))
        {
            detail = $"'{realDirectory}' is not a directory";
            return UploadOpenResult.Forbidden;
        }

        string final = realDirectory + "/" + name;
        var info = new FileInfo(final);
        if (info.LinkTarget is not null)
        {
            // Never write through, or replace, a symlink: where it leads is not ours to decide.
            detail = $"'{final}' is a symbolic link";
            return UploadOpenResult.Forbidden;
        }

        if (Directory.Exists(final))
        {
            detail = $"'{final}' is a directory";
            return UploadOpenResult.Forbidden;
        }

        if (NativeFile.TryStat(final, out var identity))
        {
            if (!identity.IsRegular)
            {
                detail = $"'{final}' is not a regular file";
                return UploadOpenResult.Forbidden;
            }

            if (!_overwrite)
            {
                detail = $"'{final}' exists and tftp.uploadOverwrite is off";
                return UploadOpenResult.Exists;
            }
        }

        try
        {
            writer = UploadWriter.Create(final, _overwrite, netAscii);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            detail = "cannot create the temporary file: " + e.Message;
            return UploadOpenResult.Failed;
        }

        detail = final;
        return UploadOpenResult.Created;
    }

    /// <summary>Removes temporary files left by a previous run that ended abruptly; returns how many.</summary>
    public int RemoveStaleTemporaryFiles()
    {
        int removed = 0;
        try
        {
            // Hidden files included (ours are dot files); symlinks skipped, so the walk never leaves the upload root.
            var options = new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = FileAttributes.ReparsePoint, IgnoreInaccessible = true, MaxRecursionDepth = 16 };
            foreach (var path in Directory.EnumerateFiles(_realRoot, "." + "*" + UploadWriter.TempSuffix, options))
            {
                try
                {
                    File.Delete(path);
                    removed++;
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }

        return removed;
    }
}
