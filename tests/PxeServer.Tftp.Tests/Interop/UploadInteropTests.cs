using System.Globalization;
using System.Net;
using System.Net.Sockets;
using PxeServer.Protocols.Tftp;
using PxeServer.Testing;
using Xunit;

namespace PxeServer.Tftp.Tests.Interop;

/// <summary>Uploads (WRQ) from real Debian clients and a raw client to the in-process server on loopback.</summary>
public sealed class UploadInteropTests
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(90);

    private static string Port(UploadServer server) => server.Port.ToString(CultureInfo.InvariantCulture);

    [Fact]
    public async Task TftpHpa_PutBinary_StoredIntact_NoTempFileLeft()
    {
        string tftp = Prerequisites.RequireTool("tftp", "tftp-hpa");
        await using var server = await UploadServer.StartAsync();
        var content = TestFiles.Random((3 * 1024 * 1024) + 123, 21);
        string local = server.AddLocal("image.bin", content);
        Directory.CreateDirectory(Path.Combine(server.UploadRoot, "images"));

        var (exit, log) = await Tool.RunAsync(tftp, ["-m", "binary", "127.0.0.1", Port(server), "-c", "put", local, "images/stored.bin"], s_timeout);

        Assert.True(exit == 0, log);
        await server.WaitForUploadsAsync(1);
        Assert.Equal(TestFiles.Sha256(content), TestFiles.Sha256(Path.Combine(server.UploadRoot, "images/stored.bin")));
        Assert.Equal(["images/stored.bin"], server.UploadedFiles());
        Assert.Equal(1, server.Statistics.UploadsStored);
        Assert.Equal(content.Length, server.Statistics.BytesReceived);
    }

    [Fact]
    public async Task TftpHpa_PutOver32MiBAt512_BlockNumbersRollOver()
    {
        string tftp = Prerequisites.RequireTool("tftp", "tftp-hpa");
        await using var server = await UploadServer.StartAsync();
        var content = TestFiles.Random((33 * 1024 * 1024) + 1001, 22); // 67,587 blocks of 512: past 65535
        string local = server.AddLocal("big.bin", content);

        var (exit, log) = await Tool.RunAsync(tftp, ["-m", "binary", "127.0.0.1", Port(server), "-c", "put", local, "big.bin"], s_timeout);

        Assert.True(exit == 0, log);
        await server.WaitForUploadsAsync(1);
        Assert.Equal(TestFiles.Sha256(content), TestFiles.Sha256(Path.Combine(server.UploadRoot, "big.bin")));
    }

    [Fact]
    public async Task TftpHpa_PutNetascii_LineEndsConvertedBack()
    {
        string tftp = Prerequisites.RequireTool("tftp", "tftp-hpa");
        await using var server = await UploadServer.StartAsync();
        var text = System.Text.Encoding.ASCII.GetBytes(string.Concat(Enumerable.Range(0, 3000).Select(i => $"line {i}\twith a bare \r in it\n")));
        string local = server.AddLocal("notes.txt", text);

        var (exit, log) = await Tool.RunAsync(tftp, ["-m", "netascii", "127.0.0.1", Port(server), "-c", "put", local, "notes.txt"], s_timeout);

        Assert.True(exit == 0, log);
        await server.WaitForUploadsAsync(1);
        Assert.Equal(text, File.ReadAllBytes(Path.Combine(server.UploadRoot, "notes.txt")));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1468)]
    [InlineData(65464)]
    public async Task Curl_Put_Blksize_StoredIntact(int blockSize)
    {
        string curl = Prerequisites.RequireTool("curl", "curl");
        await using var server = await UploadServer.StartAsync();
        var content = TestFiles.Random((4 * 1024 * 1024) + 7, 23 + blockSize);
        string local = server.AddLocal("kernel", content);
        var args = new List<string> { "-sS", "-T", local, $"tftp://127.0.0.1:{server.Port}/kernel.up" };
        if (blockSize > 0)
        {
            args.AddRange(["--tftp-blksize", blockSize.ToString(CultureInfo.InvariantCulture)]);
        }

        var (exit, log) = await Tool.RunAsync(curl, args, s_timeout);

        Assert.True(exit == 0, log);
        await server.WaitForUploadsAsync(1);
        Assert.Equal(TestFiles.Sha256(content), TestFiles.Sha256(Path.Combine(server.UploadRoot, "kernel.up")));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("windowsize 16")]
    public async Task Atftp_Put_WithOptions_StoredIntact(string? windowOption)
    {
        string atftp = Prerequisites.RequireTool("atftp", "atftp");
        await using var server = await UploadServer.StartAsync();
        var content = TestFiles.Random((2 * 1024 * 1024) + 77, 24);
        string local = server.AddLocal("initrd", content);
        var args = new List<string> { "--put", "-l", local, "-r", "initrd.up", "--option", "blksize 1468", "--option", "tsize 0" };
        if (windowOption is not null)
        {
            args.AddRange(["--option", windowOption, "--trace"]);
        }

        args.AddRange(["127.0.0.1", Port(server)]);
        var (exit, log) = await Tool.RunAsync(atftp, args, s_timeout);

        Assert.True(exit == 0, log);
        if (windowOption is not null)
        {
            // RFC 7440 on a put: atftp sends windows of 16 and the server ACKs each window's end, not each block.
            Assert.Contains("received OACK <tsize: 2097229, windowsize: 16", log, StringComparison.Ordinal);
            Assert.Contains("received ACK <block: 32>", log, StringComparison.Ordinal);
            Assert.DoesNotContain("received ACK <block: 31>", log, StringComparison.Ordinal);
        }

        await server.WaitForUploadsAsync(1);
        Assert.Equal(TestFiles.Sha256(content), TestFiles.Sha256(Path.Combine(server.UploadRoot, "initrd.up")));
    }

    [Theory]
    [InlineData(512)]
    [InlineData(1468)]
    public async Task Busybox_Put_StoredIntact(int blockSize)
    {
        string busybox = Prerequisites.RequireTool("busybox", "busybox");
        await using var server = await UploadServer.StartAsync();
        var content = TestFiles.Random(1_500_000, 25);
        string local = server.AddLocal("vmlinuz", content);

        var (exit, log) = await Tool.RunAsync(busybox, ["tftp", "-p", "-l", local, "-r", "vmlinuz.up", "-b", blockSize.ToString(CultureInfo.InvariantCulture), "127.0.0.1", Port(server)], s_timeout);

        Assert.True(exit == 0, log);
        await server.WaitForUploadsAsync(1);
        Assert.Equal(TestFiles.Sha256(content), TestFiles.Sha256(Path.Combine(server.UploadRoot, "vmlinuz.up")));
    }

    [Fact]
    public async Task UploadsDisabled_Error2_NothingWritten()
    {
        string tftp = Prerequisites.RequireTool("tftp", "tftp-hpa");
        await using var server = await UploadServer.StartAsync(o => o.AllowUploads = false);
        string local = server.AddLocal("x.bin", TestFiles.Random(5000, 26));

        var reply = await RawClient.FirstReplyAsync(server.Port, RawUploader.Wrq("x.bin"), TimeSpan.FromSeconds(5));
        var (_, log) = await Tool.RunAsync(tftp, ["-m", "binary", "127.0.0.1", Port(server), "-c", "put", local, "x.bin"], s_timeout);

        Assert.Equal(TftpErrorCode.AccessViolation, RawUploader.ErrorCode(reply));
        Assert.Contains("Error code 2", log, StringComparison.Ordinal);
        Assert.Empty(server.UploadedFiles());
        Assert.False(File.Exists(Path.Combine(server.Root, "x.bin")));
        Assert.Equal(2, server.Statistics.RefusedWrite);
    }

    [Fact]
    public async Task ExistingFile_Error6_OldContentIntact()
    {
        string tftp = Prerequisites.RequireTool("tftp", "tftp-hpa");
        await using var server = await UploadServer.StartAsync();
        string existing = Path.Combine(server.UploadRoot, "keep.bin");
        File.WriteAllText(existing, "the original");
        string local = server.AddLocal("new.bin", TestFiles.Random(70_000, 27));

        var reply = await RawClient.FirstReplyAsync(server.Port, RawUploader.Wrq("keep.bin"), TimeSpan.FromSeconds(5));
        var (_, log) = await Tool.RunAsync(tftp, ["-m", "binary", "127.0.0.1", Port(server), "-c", "put", local, "/keep.bin"], s_timeout);

        Assert.Equal(TftpErrorCode.FileAlreadyExists, RawUploader.ErrorCode(reply));
        Assert.Contains("Error code 6", log, StringComparison.Ordinal);
        Assert.Equal("the original", File.ReadAllText(existing));
        Assert.Equal(["keep.bin"], server.UploadedFiles());
    }

    [Fact]
    public async Task Overwrite_On_ReplacesAtomically()
    {
        await using var server = await UploadServer.StartAsync(o => o.UploadOverwrite = true);
        string existing = Path.Combine(server.UploadRoot, "replace.bin");
        File.WriteAllText(existing, "old");
        var content = TestFiles.Random(100_000, 28);

        var result = await RawUploader.PutAsync(server.Port, "replace.bin", content);

        Assert.True(result.Completed, result.ToString());
        await server.WaitForUploadsAsync(1);
        Assert.Equal(content, File.ReadAllBytes(existing));
        Assert.Equal(["replace.bin"], server.UploadedFiles());
    }

    [Fact]
    public async Task HostileNames_AllRefusedWithError2_NothingWrittenAnywhere()
    {
        await using var server = await UploadServer.StartAsync();
        string outsideDir = Directory.CreateTempSubdirectory("pxe-tftp-outside-").FullName;
        try
        {
            string secret = Path.Combine(outsideDir, "secret");
            File.WriteAllText(secret, "must stay");
            File.CreateSymbolicLink(Path.Combine(server.UploadRoot, "link-out"), secret);
            Directory.CreateSymbolicLink(Path.Combine(server.UploadRoot, "dir-out"), outsideDir);
            Directory.CreateDirectory(Path.Combine(server.UploadRoot, "sub"));
            string outsideName = Path.GetFileName(outsideDir);
            string[] hostile =
            [
                $"../{outsideName}/new",
                $"..\\{outsideName}\\new",
                $"/../{outsideName}/new",
                $"sub/../../{outsideName}/new",
                "%2e%2e/new",
                $"{outsideDir}/new",          // absolute: relative to the upload root, whose 'tmp/...' does not exist
                "/etc/cron.d/evil",
                "link-out",                    // a symlink (to a file outside)
                "dir-out/new",                 // through a symlinked directory
                "sub/missing/new",             // uploads never create directories
                "sub",                         // a directory
                "/",
                "CON",
                "nul.txt",
                "a\u0001b",
                ".x.0011aabbccdd.tftp-upload", // our own temporary-file names
            ];
            foreach (var name in hostile)
            {
                var reply = await RawClient.FirstReplyAsync(server.Port, RawUploader.Wrq(name), TimeSpan.FromSeconds(5));
                Assert.True(RawUploader.ErrorCode(reply) == TftpErrorCode.AccessViolation, $"'{name}' answered {(reply is null ? "nothing" : Convert.ToHexString(reply))}");
            }

            // A NUL inside the name ends it: the rest is an unknown mode, the request is dropped or refused.
            byte[] withNul = [0, 2, .. "ok.bin"u8, 0, .. "../../x"u8, 0, .. "octet"u8, 0];
            var nulReply = await RawClient.FirstReplyAsync(server.Port, withNul, TimeSpan.FromMilliseconds(500));
            Assert.True(nulReply is null || TftpPacket.TryReadError(nulReply, out _, out _));

            Assert.Equal("must stay", File.ReadAllText(secret));
            Assert.Equal(["secret"], Directory.GetFileSystemEntries(outsideDir).Select(Path.GetFileName));
            Assert.Empty(server.UploadedFiles());
            Assert.Equal(hostile.Length, server.Statistics.RefusedWrite);
            Assert.Equal(0, server.Statistics.UploadsStarted);

            // And a legitimate upload right after.
            Assert.True((await RawUploader.PutAsync(server.Port, "sub/fine.bin", [1, 2, 3])).Completed);
        }
        finally
        {
            Directory.Delete(outsideDir, recursive: true);
        }
    }

    [Fact]
    public async Task AnnouncedTsizeOverLimit_Error3AtOnce_NothingWritten()
    {
        await using var server = await UploadServer.StartAsync(o => o.MaxUploadBytes = 1_000_000);

        var reply = await RawClient.FirstReplyAsync(server.Port, RawUploader.Wrq("huge.iso", tsize: 1_000_001), TimeSpan.FromSeconds(5));

        Assert.Equal(TftpErrorCode.DiskFull, RawUploader.ErrorCode(reply));
        Assert.Empty(server.UploadedFiles());
        Assert.Equal(0, server.Statistics.UploadsStarted);
    }

    [Fact]
    public async Task Curl_AnnouncedTsizeOverLimit_Refused()
    {
        string curl = Prerequisites.RequireTool("curl", "curl");
        await using var server = await UploadServer.StartAsync(o => o.MaxUploadBytes = 100_000);
        string local = server.AddLocal("big", TestFiles.Random(200_000, 29));

        var (exit, log) = await Tool.RunAsync(curl, ["-sS", "-T", local, $"tftp://127.0.0.1:{server.Port}/big"], s_timeout);

        Assert.True(exit != 0, log);
        Assert.Empty(server.UploadedFiles());
    }

    [Fact]
    public async Task TransferGrowsOverLimit_Error3_PartialFileRemoved()
    {
        await using var server = await UploadServer.StartAsync(o => o.MaxUploadBytes = 100_000);

        var result = await RawUploader.PutAsync(server.Port, "grows.bin", TestFiles.Random(300_000, 30)); // no tsize announced

        Assert.Equal(TftpErrorCode.DiskFull, result.Error);
        Assert.True(result.BlocksSent is > 190 and < 200, result.ToString());
        await UploadServer.WaitForAsync(() => server.Statistics.UploadsFailed == 1);
        Assert.Empty(server.UploadedFiles());
    }

    [Fact]
    public async Task AbortedUpload_ClientVanishesMidway_NoFileAndNoTempFileAfterTimeout()
    {
        await using var server = await UploadServer.StartAsync(o =>
        {
            o.TimeoutSeconds = 1;
            o.MaxRetries = 1;
        });

        var result = await RawUploader.PutAsync(server.Port, "half.bin", TestFiles.Random(500_000, 31), stopAfter: 200);
        Assert.False(result.Completed);
        Assert.Single(Directory.GetFiles(server.UploadRoot, "*", new EnumerationOptions { AttributesToSkip = 0 })); // the temporary file, while it lasts

        await UploadServer.WaitForAsync(() => server.Statistics.UploadsFailed == 1, TimeSpan.FromSeconds(15));
        Assert.Equal(1, server.Statistics.SessionsTimedOut);
        Assert.Empty(server.UploadedFiles());
    }

    [Fact]
    public async Task AbortedUpload_RealClientKilledMidway_NoFileAndNoTempFileAfterTimeout()
    {
        string curl = Prerequisites.RequireTool("curl", "curl");
        await using var server = await UploadServer.StartAsync(o =>
        {
            o.TimeoutSeconds = 1;
            o.MaxRetries = 1;
        });

        // curl uploads its standard input and fills every block before sending it (tftp-hpa would take a
        // short pipe read for the end of the file): we feed 200,000 bytes, keep the pipe open so that the
        // upload stalls mid-file, and kill the client there.
        var info = new System.Diagnostics.ProcessStartInfo(curl) { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { "-sS", "-T", "-", $"tftp://127.0.0.1:{Port(server)}/killed.bin" })
        {
            info.ArgumentList.Add(arg);
        }

        using var client = System.Diagnostics.Process.Start(info)!;
        try
        {
            await client.StandardInput.BaseStream.WriteAsync(TestFiles.Random(200_000, 34), TestContext.Current.CancellationToken);
            await client.StandardInput.BaseStream.FlushAsync(TestContext.Current.CancellationToken);

            // The temporary file grows (the writer flushes every 64 KiB): the upload is really under way.
            await UploadServer.WaitForAsync(() => server.UploadedFiles().Any(f => new FileInfo(Path.Combine(server.UploadRoot, f)).Length > 0));
            Assert.Equal(0, server.Statistics.UploadsStored);
            client.Kill(entireProcessTree: true);
            await client.WaitForExitAsync(TestContext.Current.CancellationToken);

            await UploadServer.WaitForAsync(() => server.Statistics.UploadsFailed == 1, TimeSpan.FromSeconds(15));
            Assert.Equal(1, server.Statistics.SessionsTimedOut);
            Assert.Equal(0, server.Statistics.UploadsStored);
            Assert.Empty(server.UploadedFiles());
        }
        finally
        {
            if (!client.HasExited)
            {
                client.Kill(entireProcessTree: true);
            }
        }
    }

    [Fact]
    public async Task ClientErrorMidway_PartialFileRemoved()
    {
        await using var server = await UploadServer.StartAsync();

        var result = await RawUploader.PutAsync(server.Port, "cancel.bin", TestFiles.Random(500_000, 32), stopAfter: 50, sendErrorOnStop: true);

        Assert.False(result.Completed);
        await UploadServer.WaitForAsync(() => server.Statistics.UploadsFailed == 1);
        Assert.Equal(1, server.Statistics.SessionsAborted);
        Assert.Empty(server.UploadedFiles());
    }

    [Fact]
    public async Task ForeignTid_GetsError5_UploadUndisturbed()
    {
        await using var server = await UploadServer.StartAsync();
        var content = TestFiles.Random(300_000, 33);

        var result = await RawUploader.PutAsync(server.Port, "tid.bin", content, strangerAfter: 10);

        Assert.True(result.Completed, result.ToString());
        Assert.Equal(TftpErrorCode.UnknownTransferId, result.StrangerReply);
        await server.WaitForUploadsAsync(1);
        Assert.Equal(content, File.ReadAllBytes(Path.Combine(server.UploadRoot, "tid.bin")));
    }

    [Fact]
    public async Task SessionLimits_ApplyToUploads()
    {
        await using var server = await UploadServer.StartAsync(o => o.MaxSessionsPerClient = 1);
        using var first = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        first.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        await first.SendToAsync(RawUploader.Wrq("one.bin"), new IPEndPoint(IPAddress.Loopback, server.Port));
        await UploadServer.WaitForAsync(() => server.Statistics.UploadsStarted == 1);

        var reply = await RawClient.FirstReplyAsync(server.Port, RawUploader.Wrq("two.bin"), TimeSpan.FromSeconds(5));

        Assert.True(TftpPacket.TryReadError(reply, out var code, out var message));
        Assert.Equal(TftpErrorCode.NotDefined, code);
        Assert.Equal("Server busy", System.Text.Encoding.ASCII.GetString(message));
        Assert.Equal(1, server.Statistics.RefusedBusy);
    }
}

/// <summary>The loopback server with uploads enabled into a temporary directory next to its read root.</summary>
internal sealed class UploadServer : IAsyncDisposable
{
    private readonly LoopbackTftpServer _server;
    private readonly string _local;

    private UploadServer(LoopbackTftpServer server, string uploadRoot, string local)
    {
        _server = server;
        UploadRoot = uploadRoot;
        _local = local;
    }

    public string UploadRoot { get; }

    public string Root => _server.Root;

    public int Port => _server.Port;

    public TftpStatistics Statistics => _server.Server.Statistics;

    public static async Task<UploadServer> StartAsync(Action<TftpOptions>? configure = null)
    {
        string uploadRoot = Directory.CreateTempSubdirectory("pxe-tftp-up-").FullName;
        string local = Directory.CreateTempSubdirectory("pxe-tftp-src-").FullName;
        try
        {
            var server = await LoopbackTftpServer.StartAsync(o =>
            {
                o.AllowUploads = true;
                o.UploadRoot = uploadRoot;
                configure?.Invoke(o);
            });
            return new UploadServer(server, uploadRoot, local);
        }
        catch
        {
            Directory.Delete(uploadRoot, true);
            Directory.Delete(local, true);
            throw;
        }
    }

    /// <summary>Writes a client-side source file (outside both roots).</summary>
    public string AddLocal(string name, byte[] content)
    {
        string path = Path.Combine(_local, name);
        File.WriteAllBytes(path, content);
        return path;
    }

    /// <summary>Every file under the upload root, hidden temporary files included (symlinks not), as sorted relative paths.</summary>
    public string[] UploadedFiles() =>
        [.. Directory.EnumerateFiles(UploadRoot, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = FileAttributes.ReparsePoint })
            .Select(p => Path.GetRelativePath(UploadRoot, p))
            .Order(StringComparer.Ordinal)];

    /// <summary>The client has its final ACK before the server's session ends (it dallies): wait for the count.</summary>
    public Task WaitForUploadsAsync(int stored) => WaitForAsync(() => Statistics.UploadsStored >= stored);

    public static async Task WaitForAsync(Func<bool> condition, TimeSpan? timeout = null)
    {
        var until = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(10));
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < until, "condition not met in time");
            await Task.Delay(20);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _server.DisposeAsync();
        foreach (var dir in new[] { UploadRoot, _local })
        {
            try
            {
                Directory.Delete(dir, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }
}

/// <summary>A raw lockstep uploader: what the tools hide (error codes, a client that vanishes, a stranger's datagram).</summary>
internal static class RawUploader
{
    public static byte[] Wrq(string name, long tsize = -1, int blockSize = -1)
    {
        var options = TftpRequestOptions.None;
        options.TransferSize = tsize;
        options.BlockSize = blockSize;
        var packet = new byte[2048];
        Assert.True(TftpPacket.TryWriteRequest(packet, TftpOpcode.Wrq, name, TftpMode.Octet, options, out int n));
        return packet[..n];
    }

    public static TftpErrorCode? ErrorCode(byte[]? reply) => reply is not null && TftpPacket.TryReadError(reply, out var code, out _) ? code : null;

    public sealed record Result(bool Completed, TftpErrorCode? Error, long BlocksSent, TftpErrorCode? StrangerReply);

    /// <summary>Uploads lockstep at 512; <paramref name="stopAfter"/> blocks then silence (or an ERROR) simulates a client killed midway.</summary>
    public static async Task<Result> PutAsync(int port, string name, byte[] content, int stopAfter = int.MaxValue, bool sendErrorOnStop = false, int strangerAfter = -1)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var server = new IPEndPoint(IPAddress.Loopback, port);
        var request = Wrq(name);
        var buffer = new byte[70000];
        var packet = new byte[516];
        EndPoint? tid = null;
        TftpErrorCode? stranger = null;
        long index = 0;
        while (true)
        {
            byte[] toSend;
            if (index == 0)
            {
                toSend = request;
            }
            else
            {
                int offset = (int)Math.Min((index - 1) * 512, content.Length);
                int length = Math.Min(512, content.Length - offset);
                TftpPacket.TryWriteDataHeader(packet, (ushort)index);
                content.AsSpan(offset, length).CopyTo(packet.AsSpan(4));
                toSend = packet[..(4 + length)];
            }

            bool acked = false;
            for (int attempt = 0; attempt < 5 && !acked; attempt++)
            {
                await socket.SendToAsync(toSend, tid ?? server);
                using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                try
                {
                    while (true)
                    {
                        var r = await socket.ReceiveFromAsync(buffer, new IPEndPoint(IPAddress.Any, 0), cts.Token);
                        var reply = buffer.AsSpan(0, r.ReceivedBytes);
                        if (TftpPacket.TryReadError(reply, out var code, out _))
                        {
                            return new Result(false, code, index, stranger);
                        }

                        if (TftpPacket.TryReadAck(reply, out ushort block) && block == (ushort)index)
                        {
                            tid ??= r.RemoteEndPoint;
                            acked = true;
                            break;
                        }
                    }
                }
                catch (OperationCanceledException)
                {
                }
            }

            if (!acked)
            {
                return new Result(false, null, index, stranger);
            }

            if (index == strangerAfter)
            {
                // RFC 1350 §4: a datagram to the session's port from another port gets ERROR 5, the transfer goes on.
                using var other = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
                other.Bind(new IPEndPoint(IPAddress.Loopback, 0));
                await other.SendToAsync(toSend, tid!);
                using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                var r = await other.ReceiveFromAsync(buffer, new IPEndPoint(IPAddress.Any, 0), cts.Token);
                stranger = ErrorCode(buffer[..r.ReceivedBytes]);
            }

            if (index > 0 && toSend.Length < 516)
            {
                return new Result(true, null, index, stranger);
            }

            if (index == stopAfter)
            {
                if (sendErrorOnStop)
                {
                    TftpPacket.TryWriteError(packet, TftpErrorCode.NotDefined, "cancelled", out int n);
                    await socket.SendToAsync(packet.AsMemory(0, n), tid!);
                }

                return new Result(false, null, index, stranger);
            }

            index++;
        }
    }
}
