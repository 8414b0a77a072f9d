using PxeServer.Protocols.Tftp;
using Xunit;

namespace PxeServer.Protocols.Tests.Tftp;

public sealed class NetAsciiTests
{
    [Theory]
    [InlineData("a\nb", "a\r\nb")]
    [InlineData("a\rb", "a\r\0b")]
    [InlineData("a\r\nb", "a\r\0\r\nb")]
    [InlineData("", "")]
    [InlineData("plain", "plain")]
    public void TryEncode_ConvertsLineEnds(string input, string expected)
    {
        var source = System.Text.Encoding.ASCII.GetBytes(input);
        Assert.Equal(expected.Length, NetAscii.GetEncodedLength(source));
        var destination = new byte[expected.Length];
        Assert.True(NetAscii.TryEncode(source, destination, out int written));
        Assert.Equal(expected, System.Text.Encoding.ASCII.GetString(destination, 0, written));
        if (expected.Length > 0)
        {
            Assert.False(NetAscii.TryEncode(source, destination.AsSpan(0, expected.Length - 1), out _));
        }
    }
}
