using System.Buffers.Binary;
using PxeServer.Protocols.Dhcp;
using Xunit;

namespace PxeServer.Protocols.Tests.Dhcp;

public sealed class DhcpWriterTests
{
    private static readonly byte[] s_mac = [0xDE, 0, 0, 0, 0, 0xDE];

    [Fact]
    public void WriteThenRead_RoundTripsHeaderAndOptions()
    {
        var buffer = new byte[1500];
        var w = new DhcpWriter(buffer, buffer.Length);
        Assert.True(w.TryWriteHeader(2, 0xCAFEBABE, 3, DhcpPacket.BroadcastFlag, 0x0A000005, 0x0A000064, 0x0A000001, 0x0A0000FE, 1, 6, s_mac, "srv"u8, "loaders/undionly.kpxe"u8));
        Assert.True(w.TryWriteOption(DhcpOptionCode.MessageType, (byte)DhcpMessageType.Offer));
        Assert.True(w.TryWriteUInt32(DhcpOptionCode.ServerIdentifier, 0x0A000001));
        Assert.True(w.TryWriteUInt32(DhcpOptionCode.LeaseTime, 3600));
        Assert.True(w.TryWriteUInt16(DhcpOptionCode.MaxMessageSize, 1500));
        Assert.True(w.TryWriteOption(DhcpOptionCode.VendorClassIdentifier, "PXEClient"u8));
        int n = w.WriteEnd();

        var p = new DhcpPacket();
        Assert.True(p.TryParse(buffer.AsSpan(0, n)));
        Assert.Equal(2, p.Op);
        Assert.Equal(0xCAFEBABEu, p.TransactionId);
        Assert.Equal(3, p.Seconds);
        Assert.True(p.IsBroadcast);
        Assert.Equal(0x0A000005u, p.ClientAddress);
        Assert.Equal(0x0A000064u, p.YourAddress);
        Assert.Equal(0x0A000001u, p.ServerAddress);
        Assert.Equal(0x0A0000FEu, p.GatewayAddress);
        Assert.Equal(MacAddress.Parse("de:00:00:00:00:de"), p.Mac);
        Assert.Equal("srv"u8.ToArray(), p.ServerName.ToArray());
        Assert.Equal("loaders/undionly.kpxe"u8.ToArray(), p.BootFile.ToArray());
        Assert.Equal(DhcpMessageType.Offer, p.MessageType);
        Assert.Equal(0x0A000001u, p.ServerIdentifier);
        Assert.Equal(3600u, BinaryPrimitives.ReadUInt32BigEndian(p.GetOption(DhcpOptionCode.LeaseTime)));
        Assert.Equal(1500, p.MaxMessageSize);
        Assert.True(p.IsPxeClient);
    }

    [Fact]
    public void TryWriteOption_LongValue_IsSplitAndJoinedBack()
    {
        var value = Enumerable.Range(0, 600).Select(i => (byte)i).ToArray();
        var buffer = new byte[1500];
        var w = new DhcpWriter(buffer, buffer.Length);
        Assert.True(w.TryWriteHeader(2, 1, 0, 0, 0, 0, 0, 0, 1, 6, s_mac, default, default));
        Assert.True(w.TryWriteOption(DhcpOptionCode.MessageType, (byte)DhcpMessageType.Ack));
        Assert.True(w.TryWriteOption(DhcpOptionCode.RelayAgentInformation, value));
        int n = w.WriteEnd();
        Assert.Equal(DhcpPacket.OptionsOffset + 3 + 600 + (3 * 2) + 1, n);

        var p = new DhcpPacket();
        Assert.True(p.TryParse(buffer.AsSpan(0, n)));
        Assert.Equal(3, p.OptionOccurrences(DhcpOptionCode.RelayAgentInformation));
        Assert.Equal(value, p.GetOption(DhcpOptionCode.RelayAgentInformation).ToArray());
    }

    [Fact]
    public void TryWriteOption_PastLimit_IsRefusedAndEndStillFits()
    {
        var buffer = new byte[1500];
        int limit = DhcpPacket.OptionsOffset + 10;
        var w = new DhcpWriter(buffer, limit);
        Assert.True(w.TryWriteHeader(2, 1, 0, 0, 0, 0, 0, 0, 1, 6, s_mac, default, default));
        Assert.True(w.TryWriteOption(DhcpOptionCode.MessageType, (byte)DhcpMessageType.Ack)); // 3 bytes
        Assert.True(w.TryWriteUInt32(DhcpOptionCode.ServerIdentifier, 1));                  // 6 bytes: 9 used, 1 left for End
        Assert.False(w.TryWriteOption(DhcpOptionCode.MessageType, 1));
        int n = w.WriteEnd();
        Assert.Equal(limit, n);
        Assert.True(new DhcpPacket().TryParse(buffer.AsSpan(0, n)));
    }

    [Fact]
    public void WriteEnd_ShortMessage_IsPaddedTo300()
    {
        var buffer = new byte[1500];
        var w = new DhcpWriter(buffer, buffer.Length);
        Assert.True(w.TryWriteHeader(2, 1, 0, 0, 0, 0, 0, 0, 1, 6, s_mac, default, default));
        Assert.Equal(DhcpWriter.MinimumLength, w.WriteEnd());
    }

    [Fact]
    public void TryWriteHeader_FileTooLong_IsRefused()
    {
        var buffer = new byte[1500];
        var w = new DhcpWriter(buffer, buffer.Length);
        Assert.False(w.TryWriteHeader(2, 1, 0, 0, 0, 0, 0, 0, 1, 6, s_mac, default, new byte[128]));
    }

    [Fact]
    public void PxeVendorOptions_Golden()
    {
        var buffer = new byte[64];
        var w = new PxeVendorOptionsWriter(buffer);
        Assert.True(w.TryWriteDiscoveryControl(3));
        Assert.True(w.TryWriteBootServer(0x8000, 0x0A000001));
        Assert.True(w.TryWriteBootMenu(0x8000, "PXE"u8));
        Assert.True(w.TryWriteMenuPrompt(0, "PXE"u8));
        Assert.True(w.TryWriteBootItem(0x8000, 0));
        Assert.True(w.TryWriteEnd());
        byte[] expected =
        [
            6, 1, 3,                                  // discovery control: no broadcast, no multicast
            8, 7, 0x80, 0x00, 1, 10, 0, 0, 1,         // boot servers: type 0x8000, 1 address, 10.0.0.1
            9, 6, 0x80, 0x00, 3, (byte)'P', (byte)'X', (byte)'E', // menu: item 0x8000 "PXE"
            10, 4, 0, (byte)'P', (byte)'X', (byte)'E', // prompt: timeout 0, "PXE"
            71, 4, 0x80, 0x00, 0x00, 0x00,             // boot item 0x8000 layer 0
            255,
        ];
        Assert.Equal(expected, w.Written.ToArray());
    }

    [Fact]
    public void PxeVendorOptions_NoRoom_IsRefused()
    {
        var buffer = new byte[5];
        var w = new PxeVendorOptionsWriter(buffer);
        Assert.False(w.TryWriteBootServer(0x8000, 1));
        Assert.True(w.TryWriteDiscoveryControl(3));
        Assert.False(w.TryWriteBootItem(0x8000, 0));
    }
}
