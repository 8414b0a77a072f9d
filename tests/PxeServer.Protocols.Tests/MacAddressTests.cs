using Xunit;

namespace PxeServer.Protocols.Tests;

public sealed class MacAddressTests
{
    [Theory]
    [InlineData("de:00:00:00:00:de")]
    [InlineData("DE-00-00-00-00-DE")]
    [InlineData("de00.0000.00de")]
    [InlineData("de00000000de")]
    [InlineData("  De:00:00:00:00:dE  ")]
    public void TryParse_AcceptedSpellings_PrintCanonically(string text)
    {
        Assert.True(MacAddress.TryParse(text, out var mac));
        Assert.Equal("de:00:00:00:00:de", mac.ToString());
        Assert.Equal("01-de-00-00-00-00-de", mac.ToPxelinuxName());
    }

    [Theory]
    [InlineData("")]
    [InlineData(null)]
    [InlineData("de:00:00:00:00")]
    [InlineData("de:00-00:00:00:de")]
    [InlineData("dg:00:00:00:00:de")]
    [InlineData("de0000 0000de")]
    [InlineData("de:00:00:00:00:de:00")]
    public void TryParse_Rejects(string? text) => Assert.False(MacAddress.TryParse(text, out _));

    [Fact]
    public void Parse_Invalid_ThrowsFormatException() => Assert.Throws<FormatException>(() => MacAddress.Parse("nope"));

    [Fact]
    public void Bytes_RoundTrip()
    {
        byte[] bytes = [0xDE, 0xAD, 0xBE, 0xEF, 0x00, 0x01];
        var mac = new MacAddress(bytes);
        var back = new byte[6];
        mac.WriteTo(back);
        Assert.Equal(bytes, back);
        Assert.Equal(0xEF, mac[3]);
        Assert.Equal(0xDEADBEEF0001UL, mac.Value);
        Assert.Equal(mac, MacAddress.FromValue(mac.Value));
    }

    [Fact]
    public void Classification()
    {
        Assert.True(MacAddress.Parse("ff:ff:ff:ff:ff:ff").IsBroadcast);
        Assert.True(MacAddress.Parse("01:00:5e:00:00:01").IsMulticast);
        Assert.True(MacAddress.Parse("00:00:00:00:00:00").IsZero);
        Assert.True(MacAddress.Parse("de:00:00:00:00:de").IsUnicast);
        Assert.False(MacAddress.Parse("00:00:00:00:00:00").IsUnicast);
    }

    [Fact]
    public void Equality_And_Ordering()
    {
        var a = MacAddress.Parse("00:00:00:00:00:01");
        var b = MacAddress.Parse("00-00-00-00-00-02");
        Assert.True(a < b);
        Assert.True(a != b);
        Assert.Equal(a, MacAddress.Parse("000000000001"));
        Assert.Equal(a.GetHashCode(), MacAddress.Parse("000000000001").GetHashCode());
    }

    [Fact]
    public void Constructor_ShortSpan_Throws() => Assert.Throws<ArgumentException>(() => new MacAddress(new byte[5]));
}
