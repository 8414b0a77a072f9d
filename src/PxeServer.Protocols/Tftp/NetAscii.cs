namespace PxeServer.Protocols.Tftp;

/// <summary>
/// RFC 1350 netascii (RFC 764 NVT ASCII): the sender turns LF into CR LF and a bare CR into CR NUL.
/// Used for the rare netascii read; the server converts a whole file once and serves the result.
/// </summary>
public static class NetAscii
{
    /// <summary>Length of <paramref name="source"/> once encoded.</summary>
    public static long GetEncodedLength(ReadOnlySpan<byte> source)
    {
        long length = source.Length;
        length += source.Count((byte)'\n');
        length += source.Count((byte)'\r');
        return length;
    }

    /// <summary>Encodes <paramref name="source"/> into <paramref name="destination"/>; false if it is too small.</summary>
    public static bool TryEncode(ReadOnlySpan<byte> source, Span<byte> destination, out int written)
    {
        written = 0;
        int at = 0;
        foreach (byte b in source)
        {
            if (b == (byte)'\n')
            {
                if (destination.Length - at < 2)
                {
                    return false;
                }

                destination[at++] = (byte)'\r';
                destination[at++] = (byte)'\n';
            }
            else if (b == (byte)'\r')
            {
                if (destination.Length - at < 2)
                {
                    return false;
                }

                destination[at++] = (byte)'\r';
                destination[at++] = 0;
            }
            else
            {
                if (at >= destination.Length)
                {
                    return false;
                }

                destination[at++] = b;
            }
        }

        written = at;
        return true;
    }
}
