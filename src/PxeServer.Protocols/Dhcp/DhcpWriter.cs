using System.Buffers.Binary;

namespace PxeServer.Protocols.Dhcp;

/// <summary>
/// Writes a DHCP message (RFC 2131 §2) into a caller-owned span. Every <c>TryWrite*</c> checks room first,
/// always keeping one byte for the End option, so a message cut short by option 57 is still well formed;
/// an option that does not fit is not written and the call returns false.
/// Values longer than 255 bytes are split into consecutive instances of the same option (RFC 3396 §6).
/// </summary>
public ref struct DhcpWriter
{
    /// <summary>BOOTP's minimum message size; shorter replies are padded (RFC 1542 §2.1, some ROMs insist).</summary>
    public const int MinimumLength = 300;

    private readonly Span<byte> _buffer;
    private readonly int _limit;
    private int _position;

    /// <summary>Writes into <paramref name="buffer"/>, never past <paramref name="limit"/> bytes (e.g. option 57).</summary>
    public DhcpWriter(Span<byte> buffer, int limit)
    {
        _buffer = buffer;
        _limit = Math.Min(buffer.Length, limit);
        _position = 0;
    }

    /// <summary>Bytes written so far.</summary>
    public readonly int Length => _position;

    /// <summary>Room left for options, keeping one byte for End.</summary>
    public readonly int Remaining => _limit - _position - 1;

    /// <summary>
    /// Writes the fixed header and the magic cookie. <paramref name="chaddr"/> is copied into the 16-byte field;
    /// <paramref name="serverName"/> and <paramref name="bootFile"/> are NUL-padded (and must fit, with a NUL).
    /// </summary>
    public bool TryWriteHeader(
        byte op, uint xid, ushort secs, ushort flags, uint ciaddr, uint yiaddr, uint siaddr, uint giaddr,
        byte htype, byte hlen, scoped ReadOnlySpan<byte> chaddr, scoped ReadOnlySpan<byte> serverName, scoped ReadOnlySpan<byte> bootFile)
    {
        if (_limit < DhcpPacket.OptionsOffset + 1 || chaddr.Length > DhcpPacket.ChaddrLength ||
            serverName.Length >= DhcpPacket.SnameLength || bootFile.Length >= DhcpPacket.FileLength)
        {
            return false;
        }

        var b = _buffer;
        b[..DhcpPacket.OptionsOffset].Clear();
        b[DhcpPacket.OpOffset] = op;
        b[DhcpPacket.HtypeOffset] = htype;
        b[DhcpPacket.HlenOffset] = hlen;
        BinaryPrimitives.WriteUInt32BigEndian(b[DhcpPacket.XidOffset..], xid);
        BinaryPrimitives.WriteUInt16BigEndian(b[DhcpPacket.SecsOffset..], secs);
        BinaryPrimitives.WriteUInt16BigEndian(b[DhcpPacket.FlagsOffset..], flags);
        BinaryPrimitives.WriteUInt32BigEndian(b[DhcpPacket.CiaddrOffset..], ciaddr);
        BinaryPrimitives.WriteUInt32BigEndian(b[DhcpPacket.YiaddrOffset..], yiaddr);
        BinaryPrimitives.WriteUInt32BigEndian(b[DhcpPacket.SiaddrOffset..], siaddr);
        BinaryPrimitives.WriteUInt32BigEndian(b[DhcpPacket.GiaddrOffset..], giaddr);
        chaddr.CopyTo(b[DhcpPacket.ChaddrOffset..]);
        serverName.CopyTo(b[DhcpPacket.SnameOffset..]);
        bootFile.CopyTo(b[DhcpPacket.FileOffset..]);
        BinaryPrimitives.WriteUInt32BigEndian(b[DhcpPacket.CookieOffset..], DhcpPacket.MagicCookie);
        _position = DhcpPacket.OptionsOffset;
        return true;
    }

    /// <summary>Writes an option, split into 255-byte instances when longer (RFC 3396).</summary>
    public bool TryWriteOption(DhcpOptionCode code, scoped ReadOnlySpan<byte> value)
    {
        int instances = value.IsEmpty ? 1 : (value.Length + 254) / 255;
        if (_position < DhcpPacket.OptionsOffset || Remaining < value.Length + (2 * instances))
        {
            return false;
        }

        do
        {
            int chunk = Math.Min(255, value.Length);
            _buffer[_position++] = (byte)code;
            _buffer[_position++] = (byte)chunk;
            value[..chunk].CopyTo(_buffer[_position..]);
            _position += chunk;
            value = value[chunk..];
        }
        while (!value.IsEmpty);
        return true;
    }

    /// <summary>Writes a one-byte option.</summary>
    public bool TryWriteOption(DhcpOptionCode code, byte value)
    {
        ReadOnlySpan<byte> v = [value];
        return TryWriteOption(code, v);
    }

    /// <summary>Writes a two-byte option, network order.</summary>
    public bool TryWriteUInt16(DhcpOptionCode code, ushort value)
    {
        Span<byte> v = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16BigEndian(v, value);
        return TryWriteOption(code, v);
    }

    /// <summary>Writes a four-byte option (an address or a time), network order.</summary>
    public bool TryWriteUInt32(DhcpOptionCode code, uint value)
    {
        Span<byte> v = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(v, value);
        return TryWriteOption(code, v);
    }

    /// <summary>Writes End, pads to <see cref="MinimumLength"/> when room allows, and returns the message length.</summary>
    public int WriteEnd()
    {
        _buffer[_position++] = (byte)DhcpOptionCode.End;
        int target = Math.Min(MinimumLength, _limit);
        if (_position < target)
        {
            _buffer[_position..target].Clear();
            _position = target;
        }

        return _position;
    }
}

/// <summary>Writes PXE option 43 sub-options (PXE spec 2.1 §2.4) into a span, for use as the value of option 43.</summary>
public ref struct PxeVendorOptionsWriter
{
    private readonly Span<byte> _buffer;
    private int _position;

    /// <summary>Writes into <paramref name="buffer"/>.</summary>
    public PxeVendorOptionsWriter(Span<byte> buffer)
    {
        _buffer = buffer;
        _position = 0;
    }

    /// <summary>Bytes written, including End once <see cref="TryWriteEnd"/> was called.</summary>
    public readonly int Length => _position;

    /// <summary>The bytes written so far.</summary>
    public readonly ReadOnlySpan<byte> Written => _buffer[.._position];

    /// <summary>Sub-option 6.</summary>
    public bool TryWriteDiscoveryControl(byte flags) => TryWriteHeader(PxeSubOption.DiscoveryControl, 1) && Put(flags);

    /// <summary>Sub-option 8 with one server type and one address.</summary>
    public bool TryWriteBootServer(ushort type, uint address)
    {
        if (!TryWriteHeader(PxeSubOption.BootServers, 7))
        {
            return false;
        }

        BinaryPrimitives.WriteUInt16BigEndian(_buffer[_position..], type);
        _buffer[_position + 2] = 1;
        BinaryPrimitives.WriteUInt32BigEndian(_buffer[(_position + 3)..], address);
        _position += 7;
        return true;
    }

    /// <summary>Sub-option 9 with one item.</summary>
    public bool TryWriteBootMenu(ushort type, ReadOnlySpan<byte> description)
    {
        if (description.Length > 250 || !TryWriteHeader(PxeSubOption.BootMenu, 3 + description.Length))
        {
            return false;
        }

        BinaryPrimitives.WriteUInt16BigEndian(_buffer[_position..], type);
        _buffer[_position + 2] = (byte)description.Length;
        description.CopyTo(_buffer[(_position + 3)..]);
        _position += 3 + description.Length;
        return true;
    }

    /// <summary>Sub-option 10.</summary>
    public bool TryWriteMenuPrompt(byte timeout, ReadOnlySpan<byte> prompt)
    {
        if (prompt.Length > 250 || !TryWriteHeader(PxeSubOption.MenuPrompt, 1 + prompt.Length))
        {
            return false;
        }

        _buffer[_position++] = timeout;
        prompt.CopyTo(_buffer[_position..]);
        _position += prompt.Length;
        return true;
    }

    /// <summary>Sub-option 71.</summary>
    public bool TryWriteBootItem(ushort type, ushort layer)
    {
        if (!TryWriteHeader(PxeSubOption.BootItem, 4))
        {
            return false;
        }

        BinaryPrimitives.WriteUInt16BigEndian(_buffer[_position..], type);
        BinaryPrimitives.WriteUInt16BigEndian(_buffer[(_position + 2)..], layer);
        _position += 4;
        return true;
    }

    /// <summary>The End sub-option.</summary>
    public bool TryWriteEnd() => _buffer.Length - _position >= 1 && Put((byte)DhcpOptionCode.End);

    private bool TryWriteHeader(PxeSubOption code, int length)
    {
        if (_buffer.Length - _position < 2 + length)
        {
            return false;
        }

        _buffer[_position++] = (byte)code;
        _buffer[_position++] = (byte)length;
        return true;
    }

    private bool Put(byte b)
    {
        _buffer[_position++] = b;
        return true;
    }
}
