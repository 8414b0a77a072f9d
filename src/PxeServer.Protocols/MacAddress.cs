using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace PxeServer.Protocols;

/// <summary>
/// A 48-bit IEEE 802 MAC address. Parses every common spelling and always prints one canonical form
/// (lower-case, colon-separated: <c>de:00:00:00:00:de</c>), so that the catalog, the DHCP server, TFTP
/// and the manifest generator compare and print MACs the same way.
/// </summary>
/// <remarks>
/// Accepted spellings: <c>de:00:00:00:00:de</c>, <c>DE-00-00-00-00-DE</c>, <c>de00.0000.00de</c> (Cisco),
/// <c>de0000 0000de</c> is not accepted; <c>de00000000de</c> (bare hex) is.
/// </remarks>
public readonly struct MacAddress : IEquatable<MacAddress>, IComparable<MacAddress>, ISpanFormattable
{
    /// <summary>Bytes in a MAC address.</summary>
    public const int Length = 6;

    private readonly ulong _value; // low 48 bits, first octet most significant

    private MacAddress(ulong value) => _value = value & 0xFFFF_FFFF_FFFFUL;

    /// <summary>Reads six bytes, as they stand in a DHCP <c>chaddr</c> field or an Ethernet header.</summary>
    public MacAddress(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length < Length)
        {
            throw new ArgumentException("A MAC address needs six bytes.", nameof(bytes));
        }

        _value = ((ulong)BinaryPrimitives.ReadUInt16BigEndian(bytes) << 32) | BinaryPrimitives.ReadUInt32BigEndian(bytes[2..]);
    }

    /// <summary>The address as a 48-bit number, first octet most significant.</summary>
    public ulong Value => _value;

    /// <summary>True for a group (multicast or broadcast) address: the I/G bit of the first octet.</summary>
    public bool IsMulticast => ((_value >> 40) & 0x01) != 0;

    /// <summary>True for ff:ff:ff:ff:ff:ff.</summary>
    public bool IsBroadcast => _value == 0xFFFF_FFFF_FFFFUL;

    /// <summary>True for 00:00:00:00:00:00.</summary>
    public bool IsZero => _value == 0;

    /// <summary>True for a unicast, non-zero address: one a NIC can have.</summary>
    public bool IsUnicast => !IsMulticast && !IsZero;

    /// <summary>Writes the six octets to <paramref name="destination"/>.</summary>
    public void WriteTo(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt16BigEndian(destination, (ushort)(_value >> 32));
        BinaryPrimitives.WriteUInt32BigEndian(destination[2..], (uint)_value);
    }

    /// <summary>The octet at <paramref name="index"/> (0..5).</summary>
    public byte this[int index] => (uint)index < Length
        ? (byte)(_value >> (8 * (Length - 1 - index)))
        : throw new ArgumentOutOfRangeException(nameof(index));

    /// <summary>Parses any accepted spelling; throws <see cref="FormatException"/> otherwise.</summary>
    public static MacAddress Parse(string text) =>
        TryParse(text, out var mac) ? mac : throw new FormatException($"'{text}' is not a MAC address (expected e.g. de:00:00:00:00:de).");

    /// <summary>Parses <c>aa:bb:cc:dd:ee:ff</c>, <c>AA-BB-CC-DD-EE-FF</c>, <c>aabb.ccdd.eeff</c> or <c>aabbccddeeff</c>.</summary>
    public static bool TryParse([NotNullWhen(true)] string? text, out MacAddress mac) => TryParse(text.AsSpan(), out mac);

    /// <inheritdoc cref="TryParse(string?, out MacAddress)"/>
    public static bool TryParse(ReadOnlySpan<char> text, out MacAddress mac)
    {
        mac = default;
        text = text.Trim();
        ulong value = 0;
        int digits = 0;
        switch (text.Length)
        {
            case 17: // aa:bb:cc:dd:ee:ff or aa-bb-cc-dd-ee-ff, one separator throughout
                char sep = text[2];
                if (sep is not (':' or '-'))
                {
                    return false;
                }

                for (int i = 0; i < 17; i++)
                {
                    if (i % 3 == 2)
                    {
                        if (text[i] != sep)
                        {
                            return false;
                        }

                        continue;
                    }

                    if (!AppendHex(text[i], ref value))
                    {
                        return false;
                    }

                    digits++;
                }

                break;
            case 14: // aabb.ccdd.eeff
                for (int i = 0; i < 14; i++)
                {
                    if (i % 5 == 4)
                    {
                        if (text[i] != '.')
                        {
                            return false;
                        }

                        continue;
                    }

                    if (!AppendHex(text[i], ref value))
                    {
                        return false;
                    }

                    digits++;
                }

                break;
            case 12: // aabbccddeeff
                foreach (char c in text)
                {
                    if (!AppendHex(c, ref value))
                    {
                        return false;
                    }

                    digits++;
                }

                break;
            default:
                return false;
        }

        if (digits != 12)
        {
            return false;
        }

        mac = new MacAddress(value);
        return true;
    }

    private static bool AppendHex(char c, ref ulong value)
    {
        int v = HexValue(c);
        if (v < 0)
        {
            return false;
        }

        value = (value << 4) | (uint)v;
        return true;
    }

    private static int HexValue(char c) => c switch
    {
        >= '0' and <= '9' => c - '0',
        >= 'a' and <= 'f' => c - 'a' + 10,
        >= 'A' and <= 'F' => c - 'A' + 10,
        _ => -1,
    };

    /// <summary>Creates an address from its 48-bit value.</summary>
    public static MacAddress FromValue(ulong value) => new(value);

    /// <summary>Canonical form: <c>de:00:00:00:00:de</c>.</summary>
    public override string ToString() => ToString(':');

    /// <summary>The address with <paramref name="separator"/> between octets, lower-case hex.</summary>
    public string ToString(char separator) => string.Create(17, (_value, separator), static (span, state) =>
    {
        for (int i = 0; i < Length; i++)
        {
            byte b = (byte)(state._value >> (8 * (Length - 1 - i)));
            span[i * 3] = "0123456789abcdef"[b >> 4];
            span[(i * 3) + 1] = "0123456789abcdef"[b & 0xF];
            if (i < Length - 1)
            {
                span[(i * 3) + 2] = state.separator;
            }
        }
    });

    /// <summary>The PXELINUX config name for this MAC (ARP type 1 = Ethernet): <c>01-de-00-00-00-00-de</c>.</summary>
    public string ToPxelinuxName() => "01-" + ToString('-');

    /// <inheritdoc/>
    public string ToString(string? format, IFormatProvider? formatProvider) => ToString();

    /// <inheritdoc/>
    public bool TryFormat(Span<char> destination, out int charsWritten, ReadOnlySpan<char> format, IFormatProvider? provider)
    {
        string s = ToString();
        charsWritten = 0;
        if (destination.Length < s.Length)
        {
            return false;
        }

        s.AsSpan().CopyTo(destination);
        charsWritten = s.Length;
        return true;
    }

    /// <inheritdoc/>
    public bool Equals(MacAddress other) => _value == other._value;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is MacAddress other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => _value.GetHashCode();

    /// <inheritdoc/>
    public int CompareTo(MacAddress other) => _value.CompareTo(other._value);

    /// <summary>Equality.</summary>
    public static bool operator ==(MacAddress left, MacAddress right) => left.Equals(right);

    /// <summary>Inequality.</summary>
    public static bool operator !=(MacAddress left, MacAddress right) => !left.Equals(right);

    /// <summary>Ordering.</summary>
    public static bool operator <(MacAddress left, MacAddress right) => left._value < right._value;

    /// <summary>Ordering.</summary>
    public static bool operator >(MacAddress left, MacAddress right) => left._value > right._value;

    /// <summary>Ordering.</summary>
    public static bool operator <=(MacAddress left, MacAddress right) => left._value <= right._value;

    /// <summary>Ordering.</summary>
    public static bool operator >=(MacAddress left, MacAddress right) => left._value >= right._value;
}
