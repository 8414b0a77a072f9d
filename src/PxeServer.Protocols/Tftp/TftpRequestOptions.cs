namespace PxeServer.Protocols.Tftp;

/// <summary>
/// The options of a request or OACK that this server understands (RFC 2347 framework):
/// <c>blksize</c> (RFC 2348), <c>tsize</c> and <c>timeout</c> (RFC 2349), <c>windowsize</c> (RFC 7440).
/// A value of -1 means the option was absent (or its value was not usable and so it is ignored).
/// </summary>
public struct TftpRequestOptions : IEquatable<TftpRequestOptions>
{
    /// <summary>Smallest blksize RFC 2348 allows.</summary>
    public const int MinBlockSize = 8;

    /// <summary>Largest blksize RFC 2348 allows (65535 − 20 IP − 8 UDP − 4 TFTP − 39 spare, as the RFC says).</summary>
    public const int MaxBlockSize = 65464;

    /// <summary>Largest windowsize RFC 7440 allows.</summary>
    public const int MaxWindowSize = 65535;

    /// <summary>An options value with every option absent.</summary>
    public static TftpRequestOptions None => new() { BlockSize = -1, TransferSize = -1, TimeoutSeconds = -1, WindowSize = -1 };

    /// <summary><c>blksize</c>: 8..65464, or -1. Larger requested values are clamped to 65464 (RFC 2348 lets the server answer smaller).</summary>
    public int BlockSize { get; set; }

    /// <summary><c>tsize</c>: the transfer size in bytes (0 in an RRQ asks the server for it), or -1.</summary>
    public long TransferSize { get; set; }

    /// <summary><c>timeout</c>: 1..255 seconds, or -1.</summary>
    public int TimeoutSeconds { get; set; }

    /// <summary><c>windowsize</c>: 1..65535, or -1.</summary>
    public int WindowSize { get; set; }

    /// <summary>Count of options present.</summary>
    public readonly bool Any => BlockSize >= 0 || TransferSize >= 0 || TimeoutSeconds >= 0 || WindowSize >= 0;

    /// <inheritdoc/>
    public readonly bool Equals(TftpRequestOptions other) =>
        BlockSize == other.BlockSize && TransferSize == other.TransferSize && TimeoutSeconds == other.TimeoutSeconds && WindowSize == other.WindowSize;

    /// <inheritdoc/>
    public override readonly bool Equals(object? obj) => obj is TftpRequestOptions o && Equals(o);

    /// <inheritdoc/>
    public override readonly int GetHashCode() => HashCode.Combine(BlockSize, TransferSize, TimeoutSeconds, WindowSize);

    /// <summary>Equality.</summary>
    public static bool operator ==(TftpRequestOptions left, TftpRequestOptions right) => left.Equals(right);

    /// <summary>Inequality.</summary>
    public static bool operator !=(TftpRequestOptions left, TftpRequestOptions right) => !left.Equals(right);

    /// <inheritdoc/>
    public override readonly string ToString() =>
        $"blksize={BlockSize} tsize={TransferSize} timeout={TimeoutSeconds} windowsize={WindowSize}";
}
