using System.Buffers.Binary;
using PxeServer.Protocols.Dhcp;
using Xunit;

namespace PxeServer.Protocols.Tests.Dhcp;

public sealed class DhcpPacketTests
{
    // A DHCPDISCOVER shaped like OVMF's native PXE client, built field by field.
    private static byte[] GoldenDiscover()
    {
        var p = new List<byte>();
        p.AddRange([0x01, 0x01, 0x06, 0x00]);                 // op BOOTREQUEST, htype Ethernet, hlen 6, hops 0
        p.AddRange([0xDE, 0xAD, 0xBE, 0xEF]);                 // xid
        p.AddRange([0x00, 0x04]);                             // secs 4
        p.AddRange([0x80, 0x00]);                             // flags: broadcast
        p.AddRange(new byte[4]);                              // ciaddr 0.0.0.0
        p.AddRange(new byte[4]);                              // yiaddr
        p.AddRange(new byte[4]);                              // siaddr
        p.AddRange(new byte[4]);                              // giaddr
        p.AddRange([0xDE, 0x00, 0x00, 0x00, 0x00, 0xDE]);     // chaddr de:00:00:00:00:de
        p.AddRange(new byte[10]);                             // chaddr padding
        p.AddRange(new byte[64]);                             // sname
        p.AddRange(new byte[128]);                            // file
        p.AddRange([0x63, 0x82, 0x53, 0x63]);                 // magic cookie
        p.AddRange([53, 1, 1]);                               // DHCP DISCOVER
        p.AddRange([57, 2, 0x05, 0xC0]);                      // max message size 1472
        p.AddRange([55, 4, 1, 3, 43, 60]);                    // parameter request list
        p.AddRange([97, 17, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]); // UUID
        p.AddRange([94, 3, 1, 3, 0]);                         // NII: UNDI 3.0
        p.AddRange([93, 2, 0x00, 0x07]);                      // arch: x64 UEFI
        p.AddRange([60, 32]);                                 // vendor class
        p.AddRange("PXEClient:Arch:00007:UNDI:003000"u8.ToArray());
        p.Add(0);                                             // a Pad in the middle
        p.Add(255);                                           // End
        return [.. p];
    }

    [Fact]
    public void TryParse_GoldenDiscover_ReadsEveryField()
    {
        var packet = new DhcpPacket();
        Assert.True(packet.TryParse(GoldenDiscover(), out var error), error.ToString());
        Assert.Equal(1, packet.Op);
        Assert.Equal(1, packet.HardwareType);
        Assert.Equal(6, packet.HardwareLength);
        Assert.Equal(0xDEADBEEFu, packet.TransactionId);
        Assert.Equal(4, packet.Seconds);
        Assert.True(packet.IsBroadcast);
        Assert.Equal(0u, packet.ClientAddress);
        Assert.Equal(MacAddress.Parse("de:00:00:00:00:de"), packet.Mac);
        Assert.True(packet.HasEthernetAddress);
        Assert.Equal(DhcpMessageType.Discover, packet.MessageType);
        Assert.Equal(1472, packet.MaxMessageSize);
        Assert.Equal(new byte[] { 1, 3, 43, 60 }, packet.GetOption(DhcpOptionCode.ParameterRequestList).ToArray());
        Assert.Equal(17, packet.GetOption(DhcpOptionCode.ClientMachineId).Length);
        Assert.Equal(new byte[] { 1, 3, 0 }, packet.GetOption(DhcpOptionCode.ClientNetworkInterface).ToArray());
        Assert.Equal(ClientArchitecture.X64Uefi, packet.Architecture);
        Assert.True(packet.IsPxeClient);
        Assert.False(packet.IsHttpClient);
        Assert.False(packet.IsIpxe);
        Assert.True(packet.ServerName.IsEmpty);
        Assert.True(packet.BootFile.IsEmpty);
        Assert.Equal(0, packet.Overload);
    }

    [Fact]
    public void TryParse_EveryTruncatedPrefix_IsRejected()
    {
        var golden = GoldenDiscover();
        var packet = new DhcpPacket();
        for (int n = 0; n < golden.Length; n++)
        {
            Assert.False(packet.TryParse(golden.AsSpan(0, n)), $"prefix of {n} bytes was accepted");
        }

        Assert.True(packet.TryParse(golden));
    }

    [Fact]
    public void TryParse_BadCookie_IsRejected()
    {
        var golden = GoldenDiscover();
        golden[DhcpPacket.CookieOffset] = 0;
        Assert.False(new DhcpPacket().TryParse(golden, out var error));
        Assert.Equal(DhcpParseError.BadCookie, error);
    }

    [Fact]
    public void TryParse_HardwareLengthOver16_IsRejected()
    {
        var golden = GoldenDiscover();
        golden[DhcpPacket.HlenOffset] = 17;
        Assert.False(new DhcpPacket().TryParse(golden, out var error));
        Assert.Equal(DhcpParseError.BadHardwareLength, error);
    }

    [Fact]
    public void TryParse_Oversized_IsRejected()
    {
        var big = new byte[DhcpPacket.MaxLength + 1];
        GoldenDiscover().CopyTo(big, 0);
        Assert.False(new DhcpPacket().TryParse(big, out var error));
        Assert.Equal(DhcpParseError.TooLong, error);
    }

    [Theory]
    [InlineData(new byte[] { 53, 2, 1, 1, 255 })]         // message type with length 2
    [InlineData(new byte[] { 50, 3, 1, 2, 3, 255 })]      // requested address with length 3
    [InlineData(new byte[] { 54, 5, 1, 2, 3, 4, 5, 255 })] // server id with length 5
    [InlineData(new byte[] { 57, 1, 5, 255 })]            // max size with length 1
    [InlineData(new byte[] { 93, 3, 0, 7, 0, 255 })]      // arch with odd length
    [InlineData(new byte[] { 53, 1, 1, 52, 2, 1, 1, 255 })] // overload with length 2
    public void TryParse_FixedLengthOptionWithWrongLength_IsRejected(byte[] options)
    {
        var bytes = Header().Concat(options).ToArray();
        Assert.False(new DhcpPacket().TryParse(bytes, out var error));
        Assert.Equal(DhcpParseError.BadOptionLength, error);
    }

    [Fact]
    public void TryParse_OptionLengthPastEnd_IsRejected()
    {
        var bytes = Header().Concat(new byte[] { 53, 1, 1, 60, 200, 1, 2, 3 }).ToArray();
        Assert.False(new DhcpPacket().TryParse(bytes, out var error));
        Assert.Equal(DhcpParseError.BadOptions, error);
    }

    [Fact]
    public void TryParse_RepeatedOptions_AreJoinedInOrder()
    {
        // RFC 3396: two instances of 43, interleaved with another option, form one value.
        var bytes = Header().Concat(new byte[] { 53, 1, 1, 43, 2, 0xA, 0xB, 60, 1, 0x50, 43, 1, 0xC, 77, 4, 0x69, 0x50, 0x58, 0x45, 43, 0, 255 }).ToArray();
        var packet = new DhcpPacket();
        Assert.True(packet.TryParse(bytes));
        Assert.Equal(new byte[] { 0xA, 0xB, 0xC }, packet.GetOption(DhcpOptionCode.VendorSpecific).ToArray());
        Assert.Equal(3, packet.OptionOccurrences(DhcpOptionCode.VendorSpecific));
        Assert.Equal("P"u8.ToArray(), packet.GetOption(DhcpOptionCode.VendorClassIdentifier).ToArray());
        Assert.True(packet.IsIpxe);
    }

    [Fact]
    public void TryParse_Overload3_ReadsFileThenSnameAsOptions()
    {
        var bytes = Header();
        // file: message type + first half of option 60; sname: second half of 60.
        byte[] file = [53, 1, 3, 60, 3, (byte)'P', (byte)'X', (byte)'E', 255];
        byte[] sname = [60, 6, (byte)'C', (byte)'l', (byte)'i', (byte)'e', (byte)'n', (byte)'t', 52, 1, 0, 255];
        file.CopyTo(bytes, DhcpPacket.FileOffset);
        sname.CopyTo(bytes, DhcpPacket.SnameOffset);
        var all = bytes.Concat(new byte[] { 52, 1, 3, 255 }).ToArray();
        var packet = new DhcpPacket();
        Assert.True(packet.TryParse(all, out var e), e.ToString());
        Assert.Equal(3, packet.Overload);
        Assert.Equal(DhcpMessageType.Request, packet.MessageType);
        Assert.True(packet.IsPxeClient); // "PXE" + "Client", options before file before sname
        Assert.True(packet.BootFile.IsEmpty);
        Assert.True(packet.ServerName.IsEmpty);
    }

    [Fact]
    public void TryParse_NoOverload_FileFieldIsTextNotOptions()
    {
        var bytes = Header();
        byte[] file = [53, 1, 3, 255]; // looks like options, but 52 is absent: it is a file name
        file.CopyTo(bytes, DhcpPacket.FileOffset);
        var all = bytes.Concat(new byte[] { 53, 1, 1, 255 }).ToArray();
        var packet = new DhcpPacket();
        Assert.True(packet.TryParse(all));
        Assert.Equal(DhcpMessageType.Discover, packet.MessageType);
        Assert.Equal(file, packet.BootFile.ToArray());
    }

    [Fact]
    public void TryParse_OverloadedFileWithBadLength_IsRejected()
    {
        var bytes = Header();
        bytes[DhcpPacket.FileOffset + 127] = 60; // option code in the last byte, no length
        for (int i = DhcpPacket.FileOffset; i < DhcpPacket.FileOffset + 127; i++)
        {
            bytes[i] = 0;
        }

        var all = bytes.Concat(new byte[] { 52, 1, 1, 255 }).ToArray();
        Assert.False(new DhcpPacket().TryParse(all));
    }

    [Fact]
    public void TryParse_ReusedInstance_ForgetsPreviousOptions()
    {
        var packet = new DhcpPacket();
        Assert.True(packet.TryParse(GoldenDiscover()));
        Assert.True(packet.TryParse(Header().Concat(new byte[] { 53, 1, 3, 255 }).ToArray()));
        Assert.False(packet.HasOption(DhcpOptionCode.VendorClassIdentifier));
        Assert.Null(packet.Architecture);
        Assert.Equal(DhcpMessageType.Request, packet.MessageType);
    }

    [Fact]
    public void TryGetPxeBootItem_ReadsSubOption71()
    {
        var bytes = Header().Concat(new byte[] { 53, 1, 3, 43, 7, 71, 4, 0x80, 0x00, 0x00, 0x00, 255, 255 }).ToArray();
        var packet = new DhcpPacket();
        Assert.True(packet.TryParse(bytes));
        Assert.True(packet.TryGetPxeBootItem(out ushort type, out ushort layer));
        Assert.Equal(0x8000, type);
        Assert.Equal(0, layer);
    }

    [Theory]
    [InlineData(new byte[] { 0x69, 0x50, 0x58, 0x45 }, true)]                 // raw "iPXE" as iPXE sends it
    [InlineData(new byte[] { 4, 0x69, 0x50, 0x58, 0x45 }, true)]              // RFC 3004 instance
    [InlineData(new byte[] { 3, 0x61, 0x62, 0x63, 4, 0x69, 0x50, 0x58, 0x45 }, true)] // second instance
    [InlineData(new byte[] { 9, 0x69, 0x50, 0x58, 0x45 }, false)]             // instance length past end
    [InlineData(new byte[] { 0x69, 0x50, 0x58 }, false)]
    public void UserClassContains_Rfc3004AndRaw(byte[] value, bool expected) =>
        Assert.Equal(expected, DhcpPacket.UserClassContains(value, "iPXE"u8));

    [Fact]
    public void UserClassText_JoinsInstances() =>
        Assert.Equal("abc,iPXE", DhcpPacket.UserClassText([3, 0x61, 0x62, 0x63, 4, 0x69, 0x50, 0x58, 0x45]));

    internal static byte[] Header()
    {
        var b = new byte[DhcpPacket.OptionsOffset];
        b[0] = 1;
        b[1] = 1;
        b[2] = 6;
        BinaryPrimitives.WriteUInt32BigEndian(b.AsSpan(4), 0x01020304);
        b[28] = 0xDE;
        b[33] = 0xDE;
        BinaryPrimitives.WriteUInt32BigEndian(b.AsSpan(DhcpPacket.CookieOffset), DhcpPacket.MagicCookie);
        return b;
    }
}
