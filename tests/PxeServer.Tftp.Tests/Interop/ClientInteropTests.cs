using PxeServer.Testing;
using Xunit;

namespace PxeServer.Tftp.Tests.Interop;

/// <summary>Real Debian clients against the in-process server on loopback; every file compared by sha256.</summary>
public sealed class ClientInteropTests
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(60);

    [Theory]
    [InlineData(0)]
    [InlineData(512)]
    [InlineData(1468)]
    [InlineData(8192)]
    [InlineData(65464)]
    public async Task Curl_Blksize_FileIntact(int blockSize)
    {
        string curl = Prerequisites.RequireTool("curl", "curl");
        await using var server = await LoopbackTftpServer.StartAsync();
        var content = TestFiles.Random((3 * 1024 * 1024) + 17, blockSize);
        server.AddFile("images/kernel.bin", content);
        string output = Path.Combine(server.Root, "..", $"out-{Guid.NewGuid():N}");
        try
        {
            var args = new List<string> { "-sS", "-o", output, $"tftp://127.0.0.1:{server.Port}/images/kernel.bin" };
            if (blockSize > 0)
            {
                args.AddRange(["--tftp-blksize", blockSize.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
            }

            var (exit, log) = await Tool.RunAsync(curl, args, s_timeout);
            Assert.True(exit == 0, log);
            Assert.Equal(TestFiles.Sha256(content), TestFiles.Sha256(output));
        }
        finally
        {
            File.Delete(output);
        }
    }

    [Fact]
    public async Task TftpHpa_Binary_FileIntact()
    {
        string tftp = Prerequisites.RequireTool("tftp", "tftp-hpa");
        await using var server = await LoopbackTftpServer.StartAsync();
        var content = TestFiles.Random(700_000, 3);
        server.AddFile("pxelinux.0", content);
        string dir = Directory.CreateTempSubdirectory("pxe-tftp-out-").FullName;
        try
        {
            var (exit, log) = await Tool.RunAsync(tftp, ["-m", "binary", "127.0.0.1", server.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-c", "get", "/pxelinux.0", "out.bin"], s_timeout, dir);
            Assert.True(exit == 0, log);
            Assert.Equal(TestFiles.Sha256(content), TestFiles.Sha256(Path.Combine(dir, "out.bin")));
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public async Task TftpHpa_Netascii_ConvertsLineEndsBack()
    {
        string tftp = Prerequisites.RequireTool("tftp", "tftp-hpa");
        await using var server = await LoopbackTftpServer.StartAsync();
        var text = System.Text.Encoding.ASCII.GetBytes(string.Concat(Enumerable.Range(0, 2000).Select(i => $"line {i} of a config\n")));
        server.AddFile("pxelinux.cfg/default", text);
        string dir = Directory.CreateTempSubdirectory("pxe-tftp-out-").FullName;
        try
        {
            var (exit, log) = await Tool.RunAsync(tftp, ["-m", "netascii", "127.0.0.1", server.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-c", "get", "pxelinux.cfg/default", "out.txt"], s_timeout, dir);
            Assert.True(exit == 0, log);
            Assert.Equal(text, File.ReadAllBytes(Path.Combine(dir, "out.txt")));
        }
        finally
        {
            Directory.Delete(dir, true);
        }

        // On the wire the text is CR LF (RFC 764), checked with the raw client.
        var wire = await RawClient.GetAsync(server.Port, "pxelinux.cfg/default", Protocols.Tftp.TftpMode.NetAscii);
        Assert.Equal(System.Text.Encoding.ASCII.GetString(text).Replace("\n", "\r\n", StringComparison.Ordinal), System.Text.Encoding.ASCII.GetString(wire));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("windowsize 16")]
    [InlineData("windowsize 64")]
    public async Task Atftp_WithOptions_FileIntact(string? windowOption)
    {
        string atftp = Prerequisites.RequireTool("atftp", "atftp");
        await using var server = await LoopbackTftpServer.StartAsync();
        var content = TestFiles.Random((2 * 1024 * 1024) + 5, 9);
        server.AddFile("initrd.img", content);
        string dir = Directory.CreateTempSubdirectory("pxe-tftp-out-").FullName;
        try
        {
            var args = new List<string> { "--get", "-r", "initrd.img", "-l", Path.Combine(dir, "out"), "--option", "blksize 1468", "--option", "tsize 0" };
            if (windowOption is not null)
            {
                args.AddRange(["--option", windowOption]);
            }

            args.AddRange(["127.0.0.1", server.Port.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
            var (exit, log) = await Tool.RunAsync(atftp, args, s_timeout);
            Assert.True(exit == 0, log);
            Assert.Equal(TestFiles.Sha256(content), TestFiles.Sha256(Path.Combine(dir, "out")));
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Theory]
    [InlineData(512)]
    [InlineData(1468)]
    public async Task Busybox_Blksize_FileIntact(int blockSize)
    {
        string busybox = Prerequisites.RequireTool("busybox", "busybox");
        await using var server = await LoopbackTftpServer.StartAsync();
        var content = TestFiles.Random(1_000_000, 11);
        server.AddFile("boot/vmlinuz", content);
        string dir = Directory.CreateTempSubdirectory("pxe-tftp-out-").FullName;
        try
        {
            var (exit, log) = await Tool.RunAsync(busybox, ["tftp", "-g", "-r", "boot/vmlinuz", "-l", Path.Combine(dir, "out"), "-b", blockSize.ToString(System.Globalization.CultureInfo.InvariantCulture), "127.0.0.1", server.Port.ToString(System.Globalization.CultureInfo.InvariantCulture)], s_timeout);
            Assert.True(exit == 0, log);
            Assert.Equal(TestFiles.Sha256(content), TestFiles.Sha256(Path.Combine(dir, "out")));
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }
}
