using System.Security.Cryptography;
using PxeServer.Tftp.Engine;

namespace PxeServer.Tftp.Files;

/// <summary>
/// Writes one upload to a hidden temporary file in the destination directory, then makes it visible in one
/// step: fsync, then a rename to the final name (no-replace unless overwriting is allowed). A half-written
/// file therefore never appears under the final name, and an existing file is never lost. Anything but a
/// successful commit removes the temporary file. Netascii uploads are converted on the way (RFC 764:
/// CR LF to LF, CR NUL to CR), also across block boundaries.
/// </summary>
internal sealed class UploadWriter : ITftpUploadTarget
{
    /// <summary>Suffix of temporary upload files (hidden, dot-prefixed, in the destination directory).</summary>
    public const string TempSuffix = ".tftp-upload";

    private const byte Cr = (byte)'\r';
    private const byte Lf = (byte)'\n';
    private const int MaxTempStem = 180;

    private readonly Lock _gate = new();
    private readonly FileStream _stream;
    private readonly bool _overwrite;
    private readonly bool _netAscii;
    private byte[] _decoded = [];
    private bool _pendingCr;
    private int _state; // 0 writing, 1 committed, 2 discarded

    private UploadWriter(FileStream stream, string tempPath, string finalPath, bool overwrite, bool netAscii)
    {
        _stream = stream;
        TempPath = tempPath;
        FinalPath = finalPath;
        _overwrite = overwrite;
        _netAscii = netAscii;
    }

    /// <summary>The temporary file being written.</summary>
    public string TempPath { get; }

    /// <summary>Where the file lands on commit.</summary>
    public string FinalPath { get; }

    /// <summary>Bytes written to disk so far (after netascii conversion).</summary>
    public long BytesWritten { get; private set; }

    /// <summary>Creates the temporary file next to <paramref name="finalPath"/> (exclusive create, mode 0644).</summary>
    public static UploadWriter Create(string finalPath, bool overwrite, bool netAscii)
    {
        string directory = Path.GetDirectoryName(finalPath)!;
        string name = Path.GetFileName(finalPath);
        if (name.Length > MaxTempStem)
        {
            name = name[..MaxTempStem];
        }

        string temp = Path.Combine(directory, $".{name}.{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6))}{TempSuffix}");
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None, BufferSize = 64 * 1024 };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
        }

        var stream = new FileStream(temp, options);
        return new UploadWriter(stream, temp, finalPath, overwrite, netAscii);
    }

    /// <inheritdoc/>
    public void Write(ReadOnlySpan<byte> data)
    {
        lock (_gate)
        {
            if (_state != 0)
            {
                throw new IOException("upload already closed");
            }

            if (!_netAscii)
            {
                _stream.Write(data);
                BytesWritten += data.Length;
                return;
            }

            if (_decoded.Length < data.Length + 1)
            {
                // Once per session (blocks have one size): the steady state allocates nothing.
                _decoded = new byte[data.Length + 1];
            }

            int n = DecodeNetAscii(data, _decoded, ref _pendingCr);
            _stream.Write(_decoded.AsSpan(0, n));
            BytesWritten += n;
        }
    }

    /// <inheritdoc/>
    public UploadCommitResult Commit(out string detail)
    {
        lock (_gate)
        {
            if (_state != 0)
            {
                detail = "upload already closed";
                return UploadCommitResult.Failed;
            }

            try
            {
                if (_pendingCr)
                {
                    // A CR at the very end with nothing after it: keep it rather than lose a byte.
                    _stream.WriteByte(Cr);
                    BytesWritten++;
                    _pendingCr = false;
                }

                _stream.Flush(flushToDisk: true);
                _stream.Dispose();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                DiscardLocked();
                detail = "write failed: " + e.Message;
                return UploadCommitResult.Failed;
            }

            try
            {
                // Without overwrite .NET links the new name (EEXIST if it exists) and unlinks the temporary one:
                // an existing file is never replaced, even by a racing upload. With overwrite, one rename(2).
                File.Move(TempPath, FinalPath, _overwrite);
                _state = 1;
                detail = FinalPath;
                return UploadCommitResult.Stored;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                bool exists = !_overwrite && Path.Exists(FinalPath);
                DiscardLocked();
                detail = exists ? $"'{FinalPath}' appeared during the upload" : $"rename to '{FinalPath}' failed: {e.Message}";
                return exists ? UploadCommitResult.AlreadyExists : UploadCommitResult.Failed;
            }
        }
    }

    /// <inheritdoc/>
    public void Discard()
    {
        lock (_gate)
        {
            DiscardLocked();
        }
    }

    /// <inheritdoc/>
    public void Dispose() => Discard();

    /// <summary>
    /// RFC 764 netascii to local text: CR LF becomes LF, CR NUL becomes CR, anything else is copied.
    /// A CR at the end of <paramref name="source"/> is held in <paramref name="pendingCr"/> until the next
    /// call decides what it was. <paramref name="destination"/> needs <c>source.Length + 1</c> bytes.
    /// </summary>
    public static int DecodeNetAscii(ReadOnlySpan<byte> source, Span<byte> destination, ref bool pendingCr)
    {
        int written = 0;
        foreach (byte b in source)
        {
            if (pendingCr)
            {
                pendingCr = false;
                if (b == Lf)
                {
                    destination[written++] = Lf;
                    continue;
                }

                // CR NUL is a bare CR; a CR followed by anything else is kept as it was sent.
                destination[written++] = Cr;
                if (b == 0)
                {
                    continue;
                }
            }

            if (b == Cr)
            {
                pendingCr = true;
            }
            else
            {
                destination[written++] = b;
            }
        }

        return written;
    }

    private void DiscardLocked()
    {
        if (_state != 0)
        {
            return;
        }

        _state = 2;
        try
        {
            _stream.Dispose();
        }
        catch (IOException)
        {
            // Flushing the buffered tail failed (disk full): the file is deleted anyway.
        }

        try
        {
            File.Delete(TempPath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }
}
