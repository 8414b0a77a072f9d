using System.Text;
using PxeServer.Protocols.Tftp;
using Xunit;

namespace PxeServer.Protocols.Tests.Tftp;

public sealed class TftpPacketTests
{
    // RRQ as OVMF sends it: "pxelinux.0", octet, blksize 1468, windowsize 4, tsize 0.
    private static readonly byte[] s_ovmfRrq =
    [
        0x00, 0x01,                                                       // opcode RRQ
        .. "pxelinux.0"u8, 0x00,                                          // filename
        .. "octet"u8, 0x00,                                               // mode
        .. "blksize"u8, 0x00, .. "1468"u8, 0x00,                          // RFC 2348
        .. "windowsize"u8, 0x00, .. "4"u8, 0x00,                          // RFC 7440
        .. "tsize"u8, 0x00, .. "0"u8, 0x00,                               // RFC 2349
    ];

    [Fact]
    public void TryReadRequest_OvmfGolden_ReadsEveryField()
    {
        Assert.True(TftpPacket.TryReadRequest(s_ovmfRrq, out var request));
        Assert.Equal(TftpOpcode.Rrq, request.Opcode);
        Assert.Equal("pxelinux.0", Encoding.ASCII.GetString(request.FileName));
        Assert.Equal(TftpMode.Octet, request.Mode);
        Assert.Equal(1468, request.Options.BlockSize);
        Assert.Equal(4, request.Options.WindowSize);
        Assert.Equal(0, request.Options.TransferSize);
        Assert.Equal(-1, request.Options.TimeoutSeconds);
    }

    [Fact]
    public void TryReadRequest_EveryTruncatedPrefix_FailsUnlessAtPairBoundary()
    {
        // Valid prefixes end right after the mode or after a complete option pair.
        int modeEnd = 2 + "pxelinux.0".Length + 1 + "octet".Length + 1;
        var boundaries = new HashSet<int> { modeEnd };
        int at = modeEnd;
        foreach (var (name, value) in new[] { ("blksize", "1468"), ("windowsize", "4"), ("tsize", "0") })
        {
            at += name.Length + 1 + value.Length + 1;
            boundaries.Add(at);
        }

        Assert.Equal(s_ovmfRrq.Length, at);
        for (int length = 0; length < s_ovmfRrq.Length; length++)
        {
            bool ok = TftpPacket.TryReadRequest(s_ovmfRrq.AsSpan(0, length), out _);
            Assert.True(ok == boundaries.Contains(length), $"prefix of {length} bytes: parsed={ok}");
        }
    }

    [Theory]
    [InlineData("OCTET", TftpMode.Octet)]
    [InlineData("NetAscii", TftpMode.NetAscii)]
    [InlineData("mail", TftpMode.Mail)]
    public void TryReadRequest_ModeIsCaseInsensitive(string mode, TftpMode expected)
    {
        byte[] packet = [0, 1, .. "f"u8, 0, .. Encoding.ASCII.GetBytes(mode), 0];
        Assert.True(TftpPacket.TryReadRequest(packet, out var request));
        Assert.Equal(expected, request.Mode);
    }

    [Theory]
    [InlineData(new byte[] { 0, 1, 0, (byte)'o', (byte)'c', (byte)'t', (byte)'e', (byte)'t', 0 })]  // empty file name
    [InlineData(new byte[] { 0, 1, (byte)'f', 0, (byte)'b', (byte)'i', (byte)'n', 0 })]             // unknown mode
    [InlineData(new byte[] { 0, 3, (byte)'f', 0, (byte)'o', (byte)'c', (byte)'t', (byte)'e', (byte)'t', 0 })] // DATA opcode
    [InlineData(new byte[] { 0, 9, (byte)'f', 0 })]                                                  // unknown opcode
    [InlineData(new byte[] { 0, 1, (byte)'f', (byte)'o', (byte)'o' })]                               // no NUL at all
    public void TryReadRequest_Malformed_ReturnsFalse(byte[] packet) =>
        Assert.False(TftpPacket.TryReadRequest(packet, out _));

    [Fact]
    public void TryReadRequest_UnknownAndBadOptions_AreIgnored()
    {
        byte[] packet =
        [
            0, 1, .. "f"u8, 0, .. "octet"u8, 0,
            .. "multicast"u8, 0, 0,                    // RFC 2090, unsupported: ignored
            .. "blksize"u8, 0, .. "7"u8, 0,           // below 8: ignored
            .. "timeout"u8, 0, .. "300"u8, 0,         // above 255: ignored
            .. "windowsize"u8, 0, .. "x"u8, 0,        // not a number: ignored
            .. "TSIZE"u8, 0, .. "0"u8, 0,             // names are case-insensitive
        ];
        Assert.True(TftpPacket.TryReadRequest(packet, out var request));
        Assert.Equal(-1, request.Options.BlockSize);
        Assert.Equal(-1, request.Options.TimeoutSeconds);
        Assert.Equal(-1, request.Options.WindowSize);
        Assert.Equal(0, request.Options.TransferSize);
    }

    [Fact]
    public void TryReadRequest_HugeBlockSize_IsClampedTo65464()
    {
        byte[] packet = [0, 1, .. "f"u8, 0, .. "octet"u8, 0, .. "blksize"u8, 0, .. "99999"u8, 0];
        Assert.True(TftpPacket.TryReadRequest(packet, out var request));
        Assert.Equal(65464, request.Options.BlockSize);
    }

    [Fact]
    public void TryReadRequest_ZeroPaddingAfterOptions_IsTolerated()
    {
        byte[] packet = [0, 1, .. "f"u8, 0, .. "octet"u8, 0, .. "blksize"u8, 0, .. "512"u8, 0, 0, 0, 0];
        Assert.True(TftpPacket.TryReadRequest(packet, out var request));
        Assert.Equal(512, request.Options.BlockSize);
    }

    [Fact]
    public void TryWriteRequest_RoundTrips()
    {
        var options = TftpRequestOptions.None;
        options.BlockSize = 1468;
        options.WindowSize = 4;
        options.TransferSize = 0;
        var buffer = new byte[512];
        Assert.True(TftpPacket.TryWriteRequest(buffer, TftpOpcode.Rrq, "pxelinux.0", TftpMode.Octet, options, out int written));
        // Our writer orders blksize, tsize, timeout, windowsize; read it back rather than compare bytes.
        Assert.True(TftpPacket.TryReadRequest(buffer.AsSpan(0, written), out var request));
        Assert.Equal(options, request.Options);
        Assert.Equal("pxelinux.0"u8.ToArray(), request.FileName.ToArray());
        Assert.False(TftpPacket.TryWriteRequest(buffer.AsSpan(0, written - 1), TftpOpcode.Rrq, "pxelinux.0", TftpMode.Octet, options, out _));
    }

    [Fact]
    public void TryWriteOack_Golden()
    {
        var options = TftpRequestOptions.None;
        options.BlockSize = 1468;
        options.TransferSize = 123456;
        options.WindowSize = 4;
        byte[] expected =
        [
            0x00, 0x06,                                  // OACK
            .. "blksize"u8, 0, .. "1468"u8, 0,
            .. "tsize"u8, 0, .. "123456"u8, 0,
            .. "windowsize"u8, 0, .. "4"u8, 0,
        ];
        var buffer = new byte[100];
        Assert.True(TftpPacket.TryWriteOack(buffer, options, out int written));
        Assert.Equal(expected, buffer.AsSpan(0, written).ToArray());
        for (int length = 0; length < expected.Length; length++)
        {
            Assert.False(TftpPacket.TryWriteOack(buffer.AsSpan(0, length), options, out _), $"buffer of {length}");
        }

        Assert.True(TftpPacket.TryReadOack(expected, out var read));
        Assert.Equal(options, read);
    }

    [Fact]
    public void TryReadOack_EveryTruncatedPrefixInsideAPair_Fails()
    {
        byte[] oack = [0x00, 0x06, .. "blksize"u8, 0, .. "1468"u8, 0];
        for (int length = 0; length < oack.Length; length++)
        {
            bool ok = TftpPacket.TryReadOack(oack.AsSpan(0, length), out _);
            Assert.Equal(length == 2, ok); // an OACK with no options is well-formed
        }
    }

    [Fact]
    public void Data_Golden_AndTruncation()
    {
        byte[] packet = [0x00, 0x03, 0xFF, 0xFF, 0xDE, 0xAD]; // DATA, block 65535, 2 payload bytes
        Assert.True(TftpPacket.TryReadData(packet, out ushort block, out var payload));
        Assert.Equal(65535, block);
        Assert.Equal(new byte[] { 0xDE, 0xAD }, payload.ToArray());
        for (int length = 0; length < 4; length++)
        {
            Assert.False(TftpPacket.TryReadData(packet.AsSpan(0, length), out _, out _));
        }

        Assert.True(TftpPacket.TryReadData(packet.AsSpan(0, 4), out _, out var empty)); // final empty block
        Assert.True(empty.IsEmpty);
        var header = new byte[4];
        Assert.True(TftpPacket.TryWriteDataHeader(header, 65535));
        Assert.Equal(packet[..4], header);
        Assert.False(TftpPacket.TryWriteDataHeader(header.AsSpan(0, 3), 1));
    }

    [Fact]
    public void Ack_Golden_AndTruncation()
    {
        byte[] packet = [0x00, 0x04, 0x01, 0x00]; // ACK block 256
        Assert.True(TftpPacket.TryReadAck(packet, out ushort block));
        Assert.Equal(256, block);
        for (int length = 0; length < 4; length++)
        {
            Assert.False(TftpPacket.TryReadAck(packet.AsSpan(0, length), out _));
        }

        var buffer = new byte[4];
        Assert.True(TftpPacket.TryWriteAck(buffer, 256, out int written));
        Assert.Equal(packet, buffer.AsSpan(0, written).ToArray());
        Assert.False(TftpPacket.TryWriteAck(buffer.AsSpan(0, 3), 256, out _));
        Assert.False(TftpPacket.TryReadAck([0x00, 0x03, 0x00, 0x01], out _)); // DATA is not an ACK
    }

    [Fact]
    public void Error_Golden_AndTruncation()
    {
        byte[] packet = [0x00, 0x05, 0x00, 0x08, .. "User aborted"u8, 0x00]; // ERROR 8, as OVMF sends after its tsize probe
        Assert.True(TftpPacket.TryReadError(packet, out var code, out var message));
        Assert.Equal(TftpErrorCode.OptionNegotiation, code);
        Assert.Equal("User aborted", Encoding.ASCII.GetString(message));
        for (int length = 0; length < packet.Length; length++)
        {
            Assert.False(TftpPacket.TryReadError(packet.AsSpan(0, length), out _, out _), $"prefix {length}");
        }

        var buffer = new byte[64];
        Assert.True(TftpPacket.TryWriteError(buffer, TftpErrorCode.OptionNegotiation, "User aborted", out int written));
        Assert.Equal(packet, buffer.AsSpan(0, written).ToArray());
        Assert.False(TftpPacket.TryWriteError(buffer.AsSpan(0, packet.Length - 1), TftpErrorCode.OptionNegotiation, "User aborted", out _));
    }

    [Fact]
    public void TryWriteError_NonAsciiMessage_IsSanitized()
    {
        var buffer = new byte[16];
        Assert.True(TftpPacket.TryWriteError(buffer, TftpErrorCode.NotDefined, "a\u00e9\n", out int written));
        Assert.Equal("a??"u8.ToArray(), buffer.AsSpan(4, 3).ToArray());
        Assert.Equal(0, buffer[written - 1]);
    }

    [Fact]
    public void TryReadOpcode_RejectsShortAndUnknown()
    {
        Assert.False(TftpPacket.TryReadOpcode([], out _));
        Assert.False(TftpPacket.TryReadOpcode([0], out _));
        Assert.False(TftpPacket.TryReadOpcode([0, 0], out _));
        Assert.False(TftpPacket.TryReadOpcode([0, 7], out _));
        Assert.True(TftpPacket.TryReadOpcode([0, 6], out var op));
        Assert.Equal(TftpOpcode.Oack, op);
    }

    [Fact]
    public void Fuzz_RandomDatagrams_NeverThrow()
    {
        var random = new Random(1234);
        var buffer = new byte[64];
        for (int i = 0; i < 20_000; i++)
        {
            var packet = buffer.AsSpan(0, random.Next(buffer.Length));
            random.NextBytes(packet);
            if (packet.Length >= 2)
            {
                packet[0] = 0;
                packet[1] = (byte)random.Next(8);
            }

            TftpPacket.TryReadRequest(packet, out _);
            TftpPacket.TryReadOack(packet, out _);
            TftpPacket.TryReadData(packet, out _, out _);
            TftpPacket.TryReadAck(packet, out _);
            TftpPacket.TryReadError(packet, out _, out _);
        }
    }
}
