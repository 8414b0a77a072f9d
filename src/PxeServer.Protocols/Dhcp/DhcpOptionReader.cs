namespace PxeServer.Protocols.Dhcp;

/// <summary>What <see cref="DhcpOptionReader.Next"/> found.</summary>
public enum OptionRead
{
    /// <summary>An option: code and value are set.</summary>
    Option,

    /// <summary>The End option (255), or the region ended cleanly.</summary>
    End,

    /// <summary>A length runs past the region.</summary>
    Malformed,
}

/// <summary>
/// RFC 2132 §2 TLV reader over one region (the options field, an overloaded <c>file</c>/<c>sname</c>
/// field, or the sub-options of option 43): <c>code(1) len(1) value(len)</c>; 0 is Pad, 255 is End.
/// </summary>
public ref struct DhcpOptionReader
{
    private readonly ReadOnlySpan<byte> _region;
    private int _position;

    /// <summary>Reads <paramref name="region"/>.</summary>
    public DhcpOptionReader(ReadOnlySpan<byte> region)
    {
        _region = region;
        _position = 0;
    }

    /// <summary>Offset in the region of the value last returned, or of the End option.</summary>
    public readonly int ValueOffset => _position;

    /// <summary>True when the last <see cref="Next"/> stopped at an explicit End option (255).</summary>
    public bool SawEndOption { get; private set; }

    /// <summary>Reads the next option, skipping Pad.</summary>
    public OptionRead Next(out byte code, out ReadOnlySpan<byte> value, out int valueOffset)
    {
        value = default;
        valueOffset = 0;
        while (_position < _region.Length && _region[_position] == (byte)DhcpOptionCode.Pad)
        {
            _position++;
        }

        if (_position >= _region.Length)
        {
            code = (byte)DhcpOptionCode.End;
            return OptionRead.End;
        }

        code = _region[_position];
        if (code == (byte)DhcpOptionCode.End)
        {
            SawEndOption = true;
            return OptionRead.End;
        }

        if (_region.Length - _position < 2)
        {
            return OptionRead.Malformed;
        }

        int length = _region[_position + 1];
        if (_region.Length - _position - 2 < length)
        {
            return OptionRead.Malformed;
        }

        valueOffset = _position + 2;
        value = _region.Slice(valueOffset, length);
        _position = valueOffset + length;
        return OptionRead.Option;
    }

    /// <summary>Finds the first occurrence of <paramref name="code"/> in a well-formed region.</summary>
    public static bool TryFind(ReadOnlySpan<byte> region, byte code, out ReadOnlySpan<byte> value)
    {
        var reader = new DhcpOptionReader(region);
        while (reader.Next(out byte c, out var v, out _) == OptionRead.Option)
        {
            if (c == code)
            {
                value = v;
                return true;
            }
        }

        value = default;
        return false;
    }
}
