using Microsoft.Win32.SafeHandles;

namespace PxeServer.Tftp.Engine;

/// <summary>The bytes one session sends: a cached or virtual buffer, or an open file read block by block.</summary>
internal interface ITftpFileContent : IDisposable
{
    /// <summary>Bytes in the transfer (the tsize).</summary>
    long Length { get; }

    /// <summary>Copies up to <c>destination.Length</c> bytes from <paramref name="offset"/>; returns the count (short only at the end).</summary>
    int Read(long offset, Span<byte> destination);
}

/// <summary>Content held in memory: a virtual file, a cached hot file, or a converted netascii file.</summary>
internal sealed class MemoryFileContent(ReadOnlyMemory<byte> content) : ITftpFileContent
{
    public long Length => content.Length;

    /// <summary>The bytes themselves: sessions send blocks straight from them.</summary>
    public ReadOnlyMemory<byte> Content => content;

    public int Read(long offset, Span<byte> destination)
    {
        if (offset >= content.Length)
        {
            return 0;
        }

        var source = content.Span[(int)offset..];
        int count = Math.Min(source.Length, destination.Length);
        source[..count].CopyTo(destination);
        return count;
    }

    public void Dispose()
    {
    }
}

/// <summary>A file too large to cache: each block is read with one positional read straight into the send buffer.</summary>
internal sealed class DiskFileContent(SafeFileHandle handle, long length) : ITftpFileContent
{
    public long Length => length;

    public int Read(long offset, Span<byte> destination)
    {
        int total = 0;
        while (total < destination.Length)
        {
            int n = RandomAccess.Read(handle, destination[total..], offset + total);
            if (n == 0)
            {
                break;
            }

            total += n;
        }

        return total;
    }

    public void Dispose() => handle.Dispose();
}
