using PxeServer.Catalog.Model;
using PxeServer.Protocols;
using Xunit;

namespace PxeServer.Catalog.Tests;

public sealed class MacPrefixTests
{
    [Theory]
    [InlineData("de:00:00:*", 3, "de:00:00:*")]
    [InlineData("DE-00-00-*", 3, "de:00:00:*")]
    [InlineData("de:*", 1, "de:*")]
    [InlineData("52:54:00:12:34:*", 5, "52:54:00:12:34:*")]
    public void TryParse_ValidPrefix_ParsesCanonically(string text, int octets, string canonical)
    {
        Assert.True(MacPrefix.TryParse(text, out var p));
        Assert.Equal(octets, p.Octets);
        Assert.Equal(canonical, p.ToString());
    }

    [Theory]
    [InlineData("")]
    [InlineData("*")]
    [InlineData("de:00:00")]
    [InlineData("de:00:0:*")]
    [InlineData("de:00:00:00:00:00:*")]
    [InlineData("de-00:00:*")]
    [InlineData("zz:00:*")]
    public void TryParse_Invalid_ReturnsFalse(string text) => Assert.False(MacPrefix.TryParse(text, out _));

    [Fact]
    public void Matches_ComparesOnlyThePrefixOctets()
    {
        Assert.True(MacPrefix.TryParse("de:00:00:*", out var p));
        Assert.True(p.Matches(MacAddress.Parse("de:00:00:00:00:de")));
        Assert.True(p.Matches(MacAddress.Parse("de:00:00:ff:ff:ff")));
        Assert.False(p.Matches(MacAddress.Parse("de:00:01:00:00:de")));
        Assert.False(p.Matches(MacAddress.Parse("52:54:00:00:00:de")));
    }
}
