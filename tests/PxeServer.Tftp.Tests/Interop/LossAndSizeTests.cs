using System.Globalization;
using System.Net;
using PxeServer.Testing;
using Xunit;

namespace PxeServer.Tftp.Tests.Interop;

public sealed class LossTests
{
    [Fact]
    public async Task LossyPath_20Transfers_AllIntact()
    {
        string tftp = Prerequisites.RequireTool("tftp", "tftp-hpa");
        string busybox = Prerequisites.RequireTool("busybox", "busybox");
        // 5 % loss each way, on a 2-core machine shared with builds: allow more retries than the default 5.
        await using var server = await LoopbackTftpServer.StartAsync(o => o.MaxRetries = 10);
        var content = TestFiles.Random(64 * 1024, 77);
        server.AddFile("payload", content);
        string expected = TestFiles.Sha256(content);
        using var relay = new LossyUdpRelay(new IPEndPoint(IPAddress.Loopback, server.Port), seed: 2026);
        string port = relay.Port.ToString(CultureInfo.InvariantCulture);
        string dir = Directory.CreateTempSubdirectory("pxe-tftp-loss-").FullName;
        try
        {
            var runs = new List<Task<(int, string)>>();
            for (int i = 0; i < 20; i++)
            {
                string output = Path.Combine(dir, $"o{i}");
                // tftp-hpa and busybox, alternating. Not curl: when the server's first reply (OACK or DATA 1) is
                // lost, curl's TFTP client gives up ("getpeername() failed ... not connected", exit 71) instead of
                // retransmitting its request. Not atftp: its client aborts on a repeated OACK ("unexpected OACK").
                // Windowed transfers under loss are covered by FaultInjectionTests.
                runs.Add((i % 2) switch
                {
                    0 => Tool.RunAsync(tftp, ["-m", "binary", "127.0.0.1", port, "-c", "get", "payload", output], TimeSpan.FromSeconds(120)),
                    _ => Tool.RunAsync(busybox, ["tftp", "-g", "-r", "payload", "-l", output, "-b", "1024", "127.0.0.1", port], TimeSpan.FromSeconds(120)),
                });
            }

            var results = await Task.WhenAll(runs);
            for (int i = 0; i < results.Length; i++)
            {
                var stats = server.Server.Statistics;
                Assert.True(results[i].Item1 == 0, $"transfer {i} (kind {i % 2}): {results[i].Item2}; server: {stats.SessionsCompleted} completed, {stats.SessionsTimedOut} timed out, {stats.Retransmissions} retransmissions");
                Assert.Equal(expected, TestFiles.Sha256(Path.Combine(dir, $"o{i}")));
            }

            Assert.True(relay.Dropped > 0 && relay.Duplicated > 0 && relay.Reordered > 0, $"dropped {relay.Dropped}, duplicated {relay.Duplicated}, reordered {relay.Reordered}");
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }
}

/// <summary>One 200 MiB file, made once (random, so every byte counts), fetched at 512 and 1468: block numbers roll over.</summary>
public sealed class BigFileFixture : IDisposable
{
    public BigFileFixture()
    {
        Directory = System.IO.Directory.CreateTempSubdirectory("pxe-tftp-big-").FullName;
        Path = System.IO.Path.Combine(Directory, "big.img");
        var chunk = new byte[1024 * 1024];
        var random = new Random(200);
        using (var sha = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256))
        using (var file = File.Create(Path))
        {
            for (int i = 0; i < 200; i++)
            {
                random.NextBytes(chunk);
                file.Write(chunk);
                sha.AppendData(chunk);
            }

            Sha256 = Convert.ToHexString(sha.GetHashAndReset());
        }
    }

    public string Directory { get; }

    public string Path { get; }

    public string Sha256 { get; }

    public void Dispose() => System.IO.Directory.Delete(Directory, true);
}

public sealed class BigFileTests(BigFileFixture big) : IClassFixture<BigFileFixture>
{
    [Theory]
    [InlineData(512)]
    [InlineData(1468)]
    public async Task Curl_200MiB_RollsOverAndArrivesIntact(int blockSize)
    {
        string curl = Prerequisites.RequireTool("curl", "curl");
        await using var server = await LoopbackTftpServer.StartAsync(root: big.Directory);
        string output = Path.Combine(Path.GetTempPath(), $"pxe-tftp-out{blockSize}-{Guid.NewGuid():N}");
        var (exit, log) = await Tool.RunAsync(curl, ["-sS", "--tftp-blksize", blockSize.ToString(CultureInfo.InvariantCulture), "-o", output, $"tftp://127.0.0.1:{server.Port}/big.img"], TimeSpan.FromSeconds(150));
        try
        {
            Assert.True(exit == 0, log);
            Assert.Equal(big.Sha256, TestFiles.Sha256(output));
            Assert.Equal(1, server.Server.Statistics.SessionsCompleted);
        }
        finally
        {
            File.Delete(output);
        }
    }
}
