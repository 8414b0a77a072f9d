using System.Buffers.Binary;
using System.Text;

namespace PxeServer.Protocols.Tftp;

/// <summary>A parsed RRQ or WRQ. The spans point into the datagram it was read from.</summary>
public readonly ref struct TftpRequest
{
    /// <summary>Creates a request view.</summary>
    public TftpRequest(TftpOpcode opcode, ReadOnlySpan<byte> fileName, TftpMode mode, TftpRequestOptions options)
    {
        Opcode = opcode;
        FileName = fileName;
        Mode = mode;
        Options = options;
    }

    /// <summary><see cref="TftpOpcode.Rrq"/> or <see cref="TftpOpcode.Wrq"/>.</summary>
    public TftpOpcode Opcode { get; }

    /// <summary>The file name bytes exactly as sent (no NUL), not yet checked or normalized.</summary>
    public ReadOnlySpan<byte> FileName { get; }

    /// <summary>Transfer mode.</summary>
    public TftpMode Mode { get; }

    /// <summary>Options understood by this server; others are ignored, as RFC 2347 requires.</summary>
    public TftpRequestOptions Options { get; }
}

/// <summary>
/// Reads and writes TFTP datagrams (RFC 1350 §5, RFC 2347 OACK). Every method is allocation-free,
/// checks every length before using it, and reports a malformed or short buffer as <c>false</c>.
/// <code>
///  RRQ/WRQ  | 01/02 | filename | 0 | mode | 0 | opt1 | 0 | value1 | 0 | ... |
///  DATA     | 03 | block(2) | data (0..blksize) |
///  ACK      | 04 | block(2) |
///  ERROR    | 05 | code(2) | message | 0 |
///  OACK     | 06 | opt1 | 0 | value1 | 0 | ... |
/// </code>
/// All two-byte fields are big-endian.
/// </summary>
public static class TftpPacket
{
    /// <summary>Size of the opcode field.</summary>
    public const int OpcodeSize = 2;

    /// <summary>Size of a DATA header (opcode + block).</summary>
    public const int DataHeaderSize = 4;

    /// <summary>Size of an ACK.</summary>
    public const int AckSize = 4;

    /// <summary>The blksize of RFC 1350 when none is negotiated.</summary>
    public const int DefaultBlockSize = 512;

    private const int BlockOffset = 2;
    private const int MaxDecimalDigits = 18;

    private static ReadOnlySpan<byte> OctetName => "octet"u8;
    private static ReadOnlySpan<byte> NetAsciiName => "netascii"u8;
    private static ReadOnlySpan<byte> MailName => "mail"u8;
    private static ReadOnlySpan<byte> BlockSizeName => "blksize"u8;
    private static ReadOnlySpan<byte> TransferSizeName => "tsize"u8;
    private static ReadOnlySpan<byte> TimeoutName => "timeout"u8;
    private static ReadOnlySpan<byte> WindowSizeName => "windowsize"u8;

    /// <summary>Reads the opcode; false if the datagram is shorter than two bytes or the opcode is unknown.</summary>
    public static bool TryReadOpcode(ReadOnlySpan<byte> datagram, out TftpOpcode opcode)
    {
        opcode = default;
        if (datagram.Length < OpcodeSize)
        {
            return false;
        }

        ushort raw = BinaryPrimitives.ReadUInt16BigEndian(datagram);
        if (raw is < (ushort)TftpOpcode.Rrq or > (ushort)TftpOpcode.Oack)
        {
            return false;
        }

        opcode = (TftpOpcode)raw;
        return true;
    }

    /// <summary>
    /// Reads an RRQ or WRQ. False when the opcode is not 1/2, the file name or mode is missing or
    /// unterminated, the file name is empty, the mode is unknown, or an option pair is unterminated.
    /// Unknown options and options with unusable values are ignored (RFC 2347).
    /// A zero byte where an option name should start ends the list (some ROMs pad with zeros).
    /// </summary>
    public static bool TryReadRequest(ReadOnlySpan<byte> datagram, out TftpRequest request)
    {
        request = default;
        if (!TryReadOpcode(datagram, out var opcode) || opcode is not (TftpOpcode.Rrq or TftpOpcode.Wrq))
        {
            return false;
        }

        var rest = datagram[OpcodeSize..];
        if (!TryTakeString(rest, out var fileName, out rest) || fileName.IsEmpty)
        {
            return false;
        }

        if (!TryTakeString(rest, out var modeName, out rest))
        {
            return false;
        }

        TftpMode mode;
        if (Ascii.EqualsIgnoreCase(modeName, OctetName))
        {
            mode = TftpMode.Octet;
        }
        else if (Ascii.EqualsIgnoreCase(modeName, NetAsciiName))
        {
            mode = TftpMode.NetAscii;
        }
        else if (Ascii.EqualsIgnoreCase(modeName, MailName))
        {
            mode = TftpMode.Mail;
        }
        else
        {
            return false;
        }

        if (!TryReadOptions(rest, out var options))
        {
            return false;
        }

        request = new TftpRequest(opcode, fileName, mode, options);
        return true;
    }

    /// <summary>Reads an OACK (RFC 2347): false if not an OACK or an option pair is unterminated.</summary>
    public static bool TryReadOack(ReadOnlySpan<byte> datagram, out TftpRequestOptions options)
    {
        options = TftpRequestOptions.None;
        return TryReadOpcode(datagram, out var opcode) && opcode == TftpOpcode.Oack && TryReadOptions(datagram[OpcodeSize..], out options);
    }

    /// <summary>Reads a DATA packet: block number and payload (which may be empty).</summary>
    public static bool TryReadData(ReadOnlySpan<byte> datagram, out ushort block, out ReadOnlySpan<byte> payload)
    {
        block = 0;
        payload = default;
        if (datagram.Length < DataHeaderSize || BinaryPrimitives.ReadUInt16BigEndian(datagram) != (ushort)TftpOpcode.Data)
        {
            return false;
        }

        block = BinaryPrimitives.ReadUInt16BigEndian(datagram[BlockOffset..]);
        payload = datagram[DataHeaderSize..];
        return true;
    }

    /// <summary>Reads an ACK. Trailing bytes after the block number are tolerated (never produced by us).</summary>
    public static bool TryReadAck(ReadOnlySpan<byte> datagram, out ushort block)
    {
        block = 0;
        if (datagram.Length < AckSize || BinaryPrimitives.ReadUInt16BigEndian(datagram) != (ushort)TftpOpcode.Ack)
        {
            return false;
        }

        block = BinaryPrimitives.ReadUInt16BigEndian(datagram[BlockOffset..]);
        return true;
    }

    /// <summary>Reads an ERROR: code and message bytes (without the terminating NUL, which is required).</summary>
    public static bool TryReadError(ReadOnlySpan<byte> datagram, out TftpErrorCode code, out ReadOnlySpan<byte> message)
    {
        code = default;
        message = default;
        if (datagram.Length < DataHeaderSize + 1 || BinaryPrimitives.ReadUInt16BigEndian(datagram) != (ushort)TftpOpcode.Error)
        {
            return false;
        }

        var rest = datagram[DataHeaderSize..];
        if (!TryTakeString(rest, out message, out _))
        {
            return false;
        }

        code = (TftpErrorCode)BinaryPrimitives.ReadUInt16BigEndian(datagram[BlockOffset..]);
        return true;
    }

    /// <summary>Writes a DATA header; the payload goes at <c>destination[4..]</c>. False if fewer than 4 bytes.</summary>
    public static bool TryWriteDataHeader(Span<byte> destination, ushort block)
    {
        if (destination.Length < DataHeaderSize)
        {
            return false;
        }

        BinaryPrimitives.WriteUInt16BigEndian(destination, (ushort)TftpOpcode.Data);
        BinaryPrimitives.WriteUInt16BigEndian(destination[BlockOffset..], block);
        return true;
    }

    /// <summary>Writes an ACK.</summary>
    public static bool TryWriteAck(Span<byte> destination, ushort block, out int written)
    {
        written = 0;
        if (destination.Length < AckSize)
        {
            return false;
        }

        BinaryPrimitives.WriteUInt16BigEndian(destination, (ushort)TftpOpcode.Ack);
        BinaryPrimitives.WriteUInt16BigEndian(destination[BlockOffset..], block);
        written = AckSize;
        return true;
    }

    /// <summary>Writes an ERROR with an ASCII message (non-ASCII characters become '?').</summary>
    public static bool TryWriteError(Span<byte> destination, TftpErrorCode code, ReadOnlySpan<char> message, out int written)
    {
        written = 0;
        int total = DataHeaderSize + message.Length + 1;
        if (destination.Length < total)
        {
            return false;
        }

        BinaryPrimitives.WriteUInt16BigEndian(destination, (ushort)TftpOpcode.Error);
        BinaryPrimitives.WriteUInt16BigEndian(destination[BlockOffset..], (ushort)code);
        var text = destination.Slice(DataHeaderSize, message.Length);
        for (int i = 0; i < message.Length; i++)
        {
            char c = message[i];
            text[i] = c is >= ' ' and < (char)0x7f ? (byte)c : (byte)'?';
        }

        destination[total - 1] = 0;
        written = total;
        return true;
    }

    /// <summary>Writes an OACK carrying every option present in <paramref name="options"/>.</summary>
    public static bool TryWriteOack(Span<byte> destination, in TftpRequestOptions options, out int written)
    {
        written = 0;
        if (destination.Length < OpcodeSize)
        {
            return false;
        }

        BinaryPrimitives.WriteUInt16BigEndian(destination, (ushort)TftpOpcode.Oack);
        int at = OpcodeSize;
        if (!TryWriteOptions(destination, ref at, options))
        {
            return false;
        }

        written = at;
        return true;
    }

    /// <summary>Writes an RRQ or WRQ (used by clients, tests and the load tool). The file name is written as UTF-8.</summary>
    public static bool TryWriteRequest(Span<byte> destination, TftpOpcode opcode, ReadOnlySpan<char> fileName, TftpMode mode, in TftpRequestOptions options, out int written)
    {
        written = 0;
        if (opcode is not (TftpOpcode.Rrq or TftpOpcode.Wrq) || destination.Length < OpcodeSize)
        {
            return false;
        }

        BinaryPrimitives.WriteUInt16BigEndian(destination, (ushort)opcode);
        int at = OpcodeSize;
        if (!Encoding.UTF8.TryGetBytes(fileName, destination[at..], out int nameBytes) || at + nameBytes >= destination.Length)
        {
            return false;
        }

        at += nameBytes;
        destination[at++] = 0;
        var modeName = mode switch { TftpMode.NetAscii => NetAsciiName, TftpMode.Mail => MailName, _ => OctetName };
        if (!TryPut(destination, ref at, modeName) || !TryWriteOptions(destination, ref at, options))
        {
            return false;
        }

        written = at;
        return true;
    }

    private static bool TryWriteOptions(Span<byte> destination, ref int at, in TftpRequestOptions options)
    {
        return (options.BlockSize < 0 || TryPutOption(destination, ref at, BlockSizeName, options.BlockSize))
            && (options.TransferSize < 0 || TryPutOption(destination, ref at, TransferSizeName, options.TransferSize))
            && (options.TimeoutSeconds < 0 || TryPutOption(destination, ref at, TimeoutName, options.TimeoutSeconds))
            && (options.WindowSize < 0 || TryPutOption(destination, ref at, WindowSizeName, options.WindowSize));
    }

    private static bool TryPutOption(Span<byte> destination, ref int at, ReadOnlySpan<byte> name, long value)
    {
        if (!TryPut(destination, ref at, name))
        {
            return false;
        }

        if (!value.TryFormat(destination[at..], out int digits, default, System.Globalization.CultureInfo.InvariantCulture) || at + digits >= destination.Length)
        {
            return false;
        }

        at += digits;
        destination[at++] = 0;
        return true;
    }

    private static bool TryPut(Span<byte> destination, ref int at, ReadOnlySpan<byte> text)
    {
        if (destination.Length - at < text.Length + 1)
        {
            return false;
        }

        text.CopyTo(destination[at..]);
        at += text.Length;
        destination[at++] = 0;
        return true;
    }

    private static bool TryReadOptions(ReadOnlySpan<byte> rest, out TftpRequestOptions options)
    {
        options = TftpRequestOptions.None;
        while (!rest.IsEmpty)
        {
            if (rest[0] == 0)
            {
                // Zero padding after the last option: tolerated, and nothing after it is read.
                return true;
            }

            if (!TryTakeString(rest, out var name, out rest) || !TryTakeString(rest, out var value, out rest))
            {
                return false;
            }

            if (!TryParseDecimal(value, out long number))
            {
                continue;
            }

            if (Ascii.EqualsIgnoreCase(name, BlockSizeName))
            {
                // RFC 2348: 8..65464; a larger request may be answered with a smaller value.
                if (number >= TftpRequestOptions.MinBlockSize)
                {
                    options.BlockSize = (int)Math.Min(number, TftpRequestOptions.MaxBlockSize);
                }
            }
            else if (Ascii.EqualsIgnoreCase(name, TransferSizeName))
            {
                options.TransferSize = number;
            }
            else if (Ascii.EqualsIgnoreCase(name, TimeoutName))
            {
                // RFC 2349: 1..255 seconds.
                if (number is >= 1 and <= 255)
                {
                    options.TimeoutSeconds = (int)number;
                }
            }
            else if (Ascii.EqualsIgnoreCase(name, WindowSizeName))
            {
                // RFC 7440: 1..65535.
                if (number is >= 1 and <= TftpRequestOptions.MaxWindowSize)
                {
                    options.WindowSize = (int)number;
                }
            }
        }

        return true;
    }

    private static bool TryTakeString(ReadOnlySpan<byte> input, out ReadOnlySpan<byte> value, out ReadOnlySpan<byte> rest)
    {
        int nul = input.IndexOf((byte)0);
        if (nul < 0)
        {
            value = default;
            rest = input;
            return false;
        }

        value = input[..nul];
        rest = input[(nul + 1)..];
        return true;
    }

    private static bool TryParseDecimal(ReadOnlySpan<byte> text, out long value)
    {
        value = 0;
        if (text.IsEmpty || text.Length > MaxDecimalDigits)
        {
            return false;
        }

        foreach (byte b in text)
        {
            if (b is < (byte)'0' or > (byte)'9')
            {
                return false;
            }

            value = (value * 10) + (b - '0');
        }

        return true;
    }
}
