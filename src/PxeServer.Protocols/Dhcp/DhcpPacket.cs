using System.Buffers.Binary;
using System.Text;

namespace PxeServer.Protocols.Dhcp;

/// <summary>Why a datagram was rejected by <see cref="DhcpPacket.TryParse(ReadOnlySpan{byte})"/>.</summary>
public enum DhcpParseError
{
    /// <summary>Parsed.</summary>
    None,

    /// <summary>Shorter than the 240-byte fixed header plus magic cookie.</summary>
    TooShort,

    /// <summary>Longer than <see cref="DhcpPacket.MaxLength"/>.</summary>
    TooLong,

    /// <summary>The magic cookie is not 99.130.83.99.</summary>
    BadCookie,

    /// <summary>hlen is larger than the 16-byte chaddr field.</summary>
    BadHardwareLength,

    /// <summary>An option length runs past its region, or the options field has no End option.</summary>
    BadOptions,

    /// <summary>A fixed-length option (53, 50, 54, 57, 52, 93) has the wrong length.</summary>
    BadOptionLength,
}

/// <summary>
/// One DHCP message (RFC 2131 §2), parsed. The instance is reusable: a receive loop owns one and calls
/// <see cref="TryParse(ReadOnlySpan{byte})"/> per datagram, so parsing allocates nothing. Repeated options are joined
/// (RFC 3396) and <c>file</c>/<c>sname</c> are read as options only when option 52 says so (RFC 2132 §9.3),
/// once, never recursively.
/// </summary>
/// <remarks>
/// <code>
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +---------------+---------------+---------------+---------------+
/// |     op (1)    |   htype (1)   |   hlen (1)    |   hops (1)    |   0
/// |                            xid (4)                            |   4
/// |           secs (2)            |           flags (2)           |   8
/// |                          ciaddr  (4)                          |  12
/// |                          yiaddr  (4)                          |  16
/// |                          siaddr  (4)                          |  20
/// |                          giaddr  (4)                          |  24
/// |                          chaddr  (16)                         |  28
/// |                          sname   (64)                         |  44
/// |                          file    (128)                        | 108
/// |                       magic cookie (4)                        | 236
/// |                          options (variable)                   | 240
/// </code>
/// </remarks>
public sealed class DhcpPacket
{
    /// <summary>Offsets of the fixed fields.</summary>
    public const int OpOffset = 0, HtypeOffset = 1, HlenOffset = 2, HopsOffset = 3, XidOffset = 4, SecsOffset = 8, FlagsOffset = 10,
        CiaddrOffset = 12, YiaddrOffset = 16, SiaddrOffset = 20, GiaddrOffset = 24, ChaddrOffset = 28, SnameOffset = 44, FileOffset = 108,
        CookieOffset = 236, OptionsOffset = 240;

    /// <summary>Sizes of the variable-content fixed fields.</summary>
    public const int ChaddrLength = 16, SnameLength = 64, FileLength = 128;

    /// <summary>The magic cookie 99.130.83.99 (RFC 2131 §3).</summary>
    public const uint MagicCookie = 0x63825363;

    /// <summary>Largest datagram accepted; anything bigger is dropped (an Ethernet jumbo frame fits).</summary>
    public const int MaxLength = 9000;

    /// <summary>The broadcast bit of <c>flags</c>.</summary>
    public const ushort BroadcastFlag = 0x8000;

    private const int Codes = 256;

    private readonly byte[] _data = new byte[MaxLength];
    private readonly byte[] _joined = new byte[MaxLength];
    private readonly int[] _offset = new int[Codes];
    private readonly int[] _length = new int[Codes];
    private readonly int[] _count = new int[Codes];
    private readonly bool[] _inJoined = new bool[Codes];
    private readonly int[] _fill = new int[Codes];
    private readonly byte[] _present = new byte[Codes];
    private int _presentCount;
    private int _size;
    private byte _overload;

    /// <summary>The datagram as received.</summary>
    public ReadOnlySpan<byte> Raw => _data.AsSpan(0, _size);

    /// <summary>op: 1 BOOTREQUEST, 2 BOOTREPLY.</summary>
    public byte Op => _data[OpOffset];

    /// <summary>htype (1 = Ethernet).</summary>
    public byte HardwareType => _data[HtypeOffset];

    /// <summary>hlen (6 for Ethernet).</summary>
    public byte HardwareLength => _data[HlenOffset];

    /// <summary>hops.</summary>
    public byte Hops => _data[HopsOffset];

    /// <summary>xid.</summary>
    public uint TransactionId => BinaryPrimitives.ReadUInt32BigEndian(_data.AsSpan(XidOffset));

    /// <summary>secs.</summary>
    public ushort Seconds => BinaryPrimitives.ReadUInt16BigEndian(_data.AsSpan(SecsOffset));

    /// <summary>flags.</summary>
    public ushort Flags => BinaryPrimitives.ReadUInt16BigEndian(_data.AsSpan(FlagsOffset));

    /// <summary>True when the client asked for broadcast replies.</summary>
    public bool IsBroadcast => (Flags & BroadcastFlag) != 0;

    /// <summary>ciaddr, host order.</summary>
    public uint ClientAddress => BinaryPrimitives.ReadUInt32BigEndian(_data.AsSpan(CiaddrOffset));

    /// <summary>yiaddr, host order.</summary>
    public uint YourAddress => BinaryPrimitives.ReadUInt32BigEndian(_data.AsSpan(YiaddrOffset));

    /// <summary>siaddr, host order.</summary>
    public uint ServerAddress => BinaryPrimitives.ReadUInt32BigEndian(_data.AsSpan(SiaddrOffset));

    /// <summary>giaddr, host order.</summary>
    public uint GatewayAddress => BinaryPrimitives.ReadUInt32BigEndian(_data.AsSpan(GiaddrOffset));

    /// <summary>The whole 16-byte chaddr field.</summary>
    public ReadOnlySpan<byte> ClientHardwareField => _data.AsSpan(ChaddrOffset, ChaddrLength);

    /// <summary>True for htype 1 / hlen 6 (an Ethernet MAC in chaddr).</summary>
    public bool HasEthernetAddress => HardwareType == 1 && HardwareLength == MacAddress.Length;

    /// <summary>The first six bytes of chaddr.</summary>
    public MacAddress Mac => new(_data.AsSpan(ChaddrOffset, MacAddress.Length));

    /// <summary>Option 52 as parsed (0 = no overload).</summary>
    public byte Overload => _overload;

    /// <summary>sname up to its first NUL; empty when overloaded with options.</summary>
    public ReadOnlySpan<byte> ServerName => (_overload & 2) != 0 ? default : CString(_data.AsSpan(SnameOffset, SnameLength));

    /// <summary>file up to its first NUL; empty when overloaded with options.</summary>
    public ReadOnlySpan<byte> BootFile => (_overload & 1) != 0 ? default : CString(_data.AsSpan(FileOffset, FileLength));

    /// <summary>Option 53, or <see cref="DhcpMessageType.None"/>.</summary>
    public DhcpMessageType MessageType { get; private set; }

    /// <summary>Parses <paramref name="datagram"/> into this instance; on failure the instance holds nothing useful.</summary>
    public bool TryParse(ReadOnlySpan<byte> datagram) => TryParse(datagram, out _);

    /// <inheritdoc cref="TryParse(ReadOnlySpan{byte})"/>
    public bool TryParse(ReadOnlySpan<byte> datagram, out DhcpParseError error)
    {
        Reset();
        if (datagram.Length > MaxLength)
        {
            error = DhcpParseError.TooLong;
            return false;
        }

        if (datagram.Length < OptionsOffset + 1)
        {
            error = DhcpParseError.TooShort;
            return false;
        }

        if (BinaryPrimitives.ReadUInt32BigEndian(datagram[CookieOffset..]) != MagicCookie)
        {
            error = DhcpParseError.BadCookie;
            return false;
        }

        if (datagram[HlenOffset] > ChaddrLength)
        {
            error = DhcpParseError.BadHardwareLength;
            return false;
        }

        datagram.CopyTo(_data);
        _size = datagram.Length;

        // Pass 1: locate every occurrence, count them and their total length per code.
        if (!Walk(secondPass: false, out error) || !Walk(secondPass: true, out error))
        {
            Reset();
            return false;
        }

        error = Validate();
        if (error != DhcpParseError.None)
        {
            Reset();
            return false;
        }

        return true;
    }

    /// <summary>True when option <paramref name="code"/> is present (possibly empty).</summary>
    public bool HasOption(DhcpOptionCode code) => _count[(byte)code] > 0;

    /// <summary>The value of option <paramref name="code"/>, all occurrences joined (RFC 3396); false when absent.</summary>
    public bool TryGetOption(DhcpOptionCode code, out ReadOnlySpan<byte> value)
    {
        int c = (byte)code;
        if (_count[c] == 0)
        {
            value = default;
            return false;
        }

        value = (_inJoined[c] ? _joined : _data).AsSpan(_offset[c], _length[c]);
        return true;
    }

    /// <summary>The value of option <paramref name="code"/>, or empty when absent.</summary>
    public ReadOnlySpan<byte> GetOption(DhcpOptionCode code) => TryGetOption(code, out var v) ? v : default;

    /// <summary>How many times option <paramref name="code"/> occurred before joining.</summary>
    public int OptionOccurrences(DhcpOptionCode code) => _count[(byte)code];

    /// <summary>Codes present, in order of first appearance.</summary>
    public ReadOnlySpan<byte> PresentCodes => _present.AsSpan(0, _presentCount);

    /// <summary>Option 50, host order; 0 when absent.</summary>
    public uint RequestedAddress => ReadAddress(DhcpOptionCode.RequestedAddress);

    /// <summary>Option 54, host order; 0 when absent.</summary>
    public uint ServerIdentifier => ReadAddress(DhcpOptionCode.ServerIdentifier);

    /// <summary>Option 57; 0 when absent.</summary>
    public ushort MaxMessageSize => TryGetOption(DhcpOptionCode.MaxMessageSize, out var v) ? BinaryPrimitives.ReadUInt16BigEndian(v) : (ushort)0;

    /// <summary>Option 93 (the first architecture listed); null when absent.</summary>
    public ClientArchitecture? Architecture =>
        TryGetOption(DhcpOptionCode.ClientArchitecture, out var v) ? (ClientArchitecture)BinaryPrimitives.ReadUInt16BigEndian(v) : null;

    /// <summary>Option 60.</summary>
    public ReadOnlySpan<byte> VendorClass => GetOption(DhcpOptionCode.VendorClassIdentifier);

    /// <summary>True when option 60 starts with <c>PXEClient</c> (PXE spec 2.1 §2.2).</summary>
    public bool IsPxeClient => VendorClass.StartsWith("PXEClient"u8);

    /// <summary>True when option 60 starts with <c>HTTPClient</c> (UEFI HTTP boot).</summary>
    public bool IsHttpClient => VendorClass.StartsWith("HTTPClient"u8);

    /// <summary>True when the client is iPXE: option 175 present or option 77 contains <c>iPXE</c>.</summary>
    public bool IsIpxe => HasOption(DhcpOptionCode.IpxeEncapsulated) || UserClassContains(GetOption(DhcpOptionCode.UserClass), "iPXE"u8);

    /// <summary>Sub-option 71 of option 43 (PXE boot item type and layer), when the client sent one.</summary>
    public bool TryGetPxeBootItem(out ushort type, out ushort layer)
    {
        type = layer = 0;
        if (!TryGetOption(DhcpOptionCode.VendorSpecific, out var v) ||
            !DhcpOptionReader.TryFind(v, (byte)PxeSubOption.BootItem, out var item) || item.Length < 4)
        {
            return false;
        }

        type = BinaryPrimitives.ReadUInt16BigEndian(item);
        layer = BinaryPrimitives.ReadUInt16BigEndian(item[2..]);
        return true;
    }

    /// <summary>
    /// True when option 77 contains <paramref name="name"/>: either as an RFC 3004 instance
    /// (<c>len data</c> pairs) or, as iPXE and many ROMs send it, as the whole raw value.
    /// </summary>
    public static bool UserClassContains(ReadOnlySpan<byte> userClass, ReadOnlySpan<byte> name)
    {
        if (userClass.SequenceEqual(name))
        {
            return true;
        }

        var rest = userClass;
        while (!rest.IsEmpty)
        {
            int len = rest[0];
            if (len == 0 || rest.Length - 1 < len)
            {
                return false;
            }

            if (rest.Slice(1, len).SequenceEqual(name))
            {
                return true;
            }

            rest = rest[(1 + len)..];
        }

        return false;
    }

    /// <summary>Option 77 as text: RFC 3004 instances joined with commas, or the raw value.</summary>
    public static string? UserClassText(ReadOnlySpan<byte> userClass)
    {
        if (userClass.IsEmpty)
        {
            return null;
        }

        var sb = new StringBuilder();
        var rest = userClass;
        while (!rest.IsEmpty)
        {
            int len = rest[0];
            if (len == 0 || rest.Length - 1 < len)
            {
                return Printable(userClass);
            }

            if (sb.Length > 0)
            {
                sb.Append(',');
            }

            sb.Append(Printable(rest.Slice(1, len)));
            rest = rest[(1 + len)..];
        }

        return sb.ToString();
    }

    /// <summary>Bytes as ASCII, non-printables as '.'.</summary>
    public static string Printable(ReadOnlySpan<byte> bytes) => string.Create(bytes.Length, bytes.ToArray(), static (span, b) =>
    {
        for (int i = 0; i < span.Length; i++)
        {
            span[i] = b[i] is >= 0x20 and < 0x7F ? (char)b[i] : '.';
        }
    });

    private uint ReadAddress(DhcpOptionCode code) =>
        TryGetOption(code, out var v) ? BinaryPrimitives.ReadUInt32BigEndian(v) : 0;

    private static ReadOnlySpan<byte> CString(ReadOnlySpan<byte> field)
    {
        int nul = field.IndexOf((byte)0);
        return nul < 0 ? field : field[..nul];
    }

    private void Reset()
    {
        for (int i = 0; i < _presentCount; i++)
        {
            int c = _present[i];
            _count[c] = 0;
            _length[c] = 0;
            _inJoined[c] = false;
            _fill[c] = 0;
        }

        _presentCount = 0;
        _size = 0;
        _overload = 0;
        MessageType = DhcpMessageType.None;
    }

    // Walks options, then file, then sname (RFC 3396 §5 order) when option 52 asks for them.
    private bool Walk(bool secondPass, out DhcpParseError error)
    {
        if (!WalkRegion(OptionsOffset, _size - OptionsOffset, requireEnd: true, secondPass, first: true))
        {
            error = DhcpParseError.BadOptions;
            return false;
        }

        if (!secondPass && _count[(byte)DhcpOptionCode.Overload] > 0)
        {
            if (_length[(byte)DhcpOptionCode.Overload] != 1)
            {
                error = DhcpParseError.BadOptionLength;
                return false;
            }

            _overload = (byte)(_data[_offset[(byte)DhcpOptionCode.Overload]] & 3);
        }

        if ((_overload & 1) != 0 && !WalkRegion(FileOffset, FileLength, requireEnd: false, secondPass, first: false))
        {
            error = DhcpParseError.BadOptions;
            return false;
        }

        if ((_overload & 2) != 0 && !WalkRegion(SnameOffset, SnameLength, requireEnd: false, secondPass, first: false))
        {
            error = DhcpParseError.BadOptions;
            return false;
        }

        if (!secondPass)
        {
            AssignJoinedRegions();
        }

        error = DhcpParseError.None;
        return true;
    }

    private bool WalkRegion(int start, int length, bool requireEnd, bool secondPass, bool first)
    {
        var reader = new DhcpOptionReader(_data.AsSpan(start, length));
        OptionRead r;
        while ((r = reader.Next(out byte code, out var value, out int valueOffset)) == OptionRead.Option)
        {
            // Option 52 inside file/sname is never followed (no recursion).
            if (!first && code == (byte)DhcpOptionCode.Overload)
            {
                continue;
            }

            int abs = start + valueOffset;
            if (!secondPass)
            {
                if (_count[code] == 0)
                {
                    _present[_presentCount++] = code;
                    _offset[code] = abs;
                }

                _count[code]++;
                _length[code] += value.Length;
            }
            else if (_inJoined[code])
            {
                value.CopyTo(_joined.AsSpan(_offset[code] + _fill[code]));
                _fill[code] += value.Length;
            }
        }

        return r == OptionRead.End && (!requireEnd || reader.SawEndOption);
    }

    private void AssignJoinedRegions()
    {
        int cursor = 0;
        for (int i = 0; i < _presentCount; i++)
        {
            int c = _present[i];
            if (_count[c] > 1)
            {
                _inJoined[c] = true;
                _offset[c] = cursor;
                cursor += _length[c];
            }
        }
    }

    private DhcpParseError Validate()
    {
        if (TryGetOption(DhcpOptionCode.MessageType, out var t))
        {
            if (t.Length != 1)
            {
                return DhcpParseError.BadOptionLength;
            }

            MessageType = (DhcpMessageType)t[0];
        }

        if ((TryGetOption(DhcpOptionCode.RequestedAddress, out var v) && v.Length != 4) ||
            (TryGetOption(DhcpOptionCode.ServerIdentifier, out v) && v.Length != 4) ||
            (TryGetOption(DhcpOptionCode.MaxMessageSize, out v) && v.Length != 2) ||
            (TryGetOption(DhcpOptionCode.ClientArchitecture, out v) && (v.Length < 2 || v.Length % 2 != 0)))
        {
            return DhcpParseError.BadOptionLength;
        }

        return DhcpParseError.None;
    }
}
