using System.Text;
using PxeServer.Tftp.Files;
using Xunit;

namespace PxeServer.Tftp.Tests.Files;

public sealed class TftpPathTests
{
    [Theory]
    [InlineData("pxelinux.0", "pxelinux.0")]
    [InlineData("/pxelinux.0", "pxelinux.0")]
    [InlineData("//boot//./grub/grub.cfg", "boot/grub/grub.cfg")]
    [InlineData("\\boot\\x64\\wdsnbp.com", "boot/x64/wdsnbp.com")]
    [InlineData("pxelinux.cfg/01-de-00-00-00-00-de", "pxelinux.cfg/01-de-00-00-00-00-de")]
    [InlineData("%2e%2e/secret", "%2e%2e/secret")]   // literal name: no URL decoding, so it stays inside
    public void TryNormalize_Accepts(string raw, string expected)
    {
        Assert.True(TftpPath.TryNormalize(Encoding.UTF8.GetBytes(raw), out string normalized, out _));
        Assert.Equal(expected, normalized);
    }

    [Theory]
    [InlineData("../etc/passwd")]
    [InlineData("boot/../../etc/passwd")]
    [InlineData("..\\..\\windows\\win.ini")]
    [InlineData("/..")]
    [InlineData("..")]
    [InlineData("/")]
    [InlineData("./")]
    [InlineData("a\u0001b")]
    [InlineData("CON")]
    [InlineData("boot/nul.txt")]
    [InlineData("LPT1.cfg")]
    public void TryNormalize_Refuses(string raw) =>
        Assert.False(TftpPath.TryNormalize(Encoding.UTF8.GetBytes(raw), out _, out _));

    [Fact]
    public void TryNormalize_RefusesInvalidUtf8AndNul()
    {
        Assert.False(TftpPath.TryNormalize([(byte)'a', 0xff, (byte)'b'], out _, out _));
        Assert.False(TftpPath.TryNormalize([(byte)'a', 0, (byte)'b'], out _, out _));
        Assert.False(TftpPath.TryNormalize([], out _, out _));
    }
}
