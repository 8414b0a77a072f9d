using System.Globalization;
using PxeServer.Protocols;

namespace PxeServer.Catalog.Model;

/// <summary>
/// The leading 1..5 octets of a MAC address, written <c>de:00:00:*</c> (also <c>DE-00-00-*</c>), e.g. an OUI.
/// </summary>
public readonly record struct MacPrefix
{
    private readonly ulong _value; // the prefix octets, left-aligned in 48 bits

    private MacPrefix(ulong value, int octets)
    {
        _value = value;
        Octets = octets;
    }

    /// <summary>Number of fixed octets (1..5).</summary>
    public int Octets { get; }

    /// <summary>True when <paramref name="mac"/> starts with this prefix.</summary>
    public bool Matches(MacAddress mac)
    {
        int shift = 8 * (MacAddress.Length - Octets);
        return (mac.Value >> shift) == (_value >> shift);
    }

    /// <summary>Parses <c>aa:bb:cc:*</c> or <c>aa-bb-cc-*</c> (1..5 octets, then <c>*</c>).</summary>
    public static bool TryParse(string? text, out MacPrefix prefix)
    {
        prefix = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        var s = text.Trim();
        if (s.Length < 4 || s[^1] != '*' || (s[^2] != ':' && s[^2] != '-'))
        {
            return false;
        }

        char sep = s[^2];
        var parts = s[..^2].Split(sep);
        if (parts.Length is < 1 or > 5)
        {
            return false;
        }

        ulong value = 0;
        foreach (var p in parts)
        {
            if (p.Length != 2 || !byte.TryParse(p, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out byte b))
            {
                return false;
            }

            value = (value << 8) | b;
        }

        value <<= 8 * (MacAddress.Length - parts.Length);
        prefix = new MacPrefix(value, parts.Length);
        return true;
    }

    /// <summary>Canonical form: <c>de:00:00:*</c>.</summary>
    public override string ToString()
    {
        var mac = MacAddress.FromValue(_value).ToString();
        return mac[..(Octets * 3)] + "*";
    }
}
