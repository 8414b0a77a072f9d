using System.Net;
using System.Net.Sockets;
using PxeServer.Protocols.Tftp;
using PxeServer.Testing;
using Xunit;

namespace PxeServer.Tftp.Tests.Interop;

/// <summary>Hostile names and hostile traffic against the real server on loopback.</summary>
public sealed class HostileInputTests
{
    [Fact]
    public async Task HostileNames_AllRefusedExactlyLikeAMissingFile()
    {
        await using var server = await LoopbackTftpServer.StartAsync();
        string outside = Path.Combine(Path.GetDirectoryName(server.Root)!, $"secret-{Guid.NewGuid():N}");
        File.WriteAllText(outside, "must never be served");
        try
        {
            server.AddFile("ok.txt", "fine"u8.ToArray());
            File.CreateSymbolicLink(Path.Combine(server.Root, "link-out"), outside);
            Directory.CreateSymbolicLink(Path.Combine(server.Root, "dir-out"), Path.GetDirectoryName(outside)!);
            string secretName = Path.GetFileName(outside);
            var missing = await RawClient.FirstReplyAsync(server.Port, RawClient.Rrq("no-such-file"), TimeSpan.FromSeconds(5));
            Assert.NotNull(missing);
            Assert.True(TftpPacket.TryReadError(missing, out var code, out _));
            Assert.Equal(TftpErrorCode.FileNotFound, code);

            string[] hostile =
            [
                $"../{secretName}",
                $"..\\{secretName}",
                $"/../{secretName}",
                $"ok/../../{secretName}",
                $"%2e%2e/{secretName}",
                $"%2e%2e%2f{secretName}",
                $"..%2f{secretName}",
                outside,                          // absolute path: taken relative to the root, so not there
                "/etc/passwd",
                "\\etc\\passwd",
                "link-out",
                $"dir-out/{secretName}",
                "CON",
                "nul.txt",
                "a\u0001b",
            ];
            foreach (var name in hostile)
            {
                var reply = await RawClient.FirstReplyAsync(server.Port, RawClient.Rrq(name), TimeSpan.FromSeconds(5));
                Assert.True(reply is not null && reply.AsSpan().SequenceEqual(missing), $"'{name}' answered {(reply is null ? "nothing" : Convert.ToHexString(reply))}");
            }

            // A NUL inside the name ends it early: the rest becomes an unknown mode and the request is
            // dropped; nothing is served either way.
            byte[] withNul = [0, 1, .. "ok.txt"u8, 0, .. "../../etc/passwd"u8, 0, .. "octet"u8, 0];
            var nulReply = await RawClient.FirstReplyAsync(server.Port, withNul, TimeSpan.FromMilliseconds(500));
            Assert.True(nulReply is null || TftpPacket.TryReadError(nulReply, out _, out _));

            // Still serving the legitimate file.
            Assert.Equal("fine"u8.ToArray(), await RawClient.GetAsync(server.Port, "/ok.txt"));
            Assert.True(server.Server.Statistics.RefusedNotFound >= hostile.Length + 1);
        }
        finally
        {
            File.Delete(outside);
        }
    }

    [Fact]
    public async Task WriteRequest_IsRefusedWithAccessViolation()
    {
        await using var server = await LoopbackTftpServer.StartAsync();
        byte[] wrq = [0, 2, .. "upload.bin"u8, 0, .. "octet"u8, 0];
        var reply = await RawClient.FirstReplyAsync(server.Port, wrq, TimeSpan.FromSeconds(5));
        Assert.NotNull(reply);
        Assert.True(TftpPacket.TryReadError(reply, out var code, out _));
        Assert.Equal(TftpErrorCode.AccessViolation, code);
        Assert.False(File.Exists(Path.Combine(server.Root, "upload.bin")));
    }

    [Fact]
    public async Task WrongTid_GetsError5_AndTransferContinues()
    {
        await using var server = await LoopbackTftpServer.StartAsync();
        server.AddFile("f", TestFiles.Random(100_000, 5));
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        client.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        await client.SendToAsync(RawClient.Rrq("f"), new IPEndPoint(IPAddress.Loopback, server.Port));
        var buffer = new byte[2000];
        var first = await client.ReceiveFromAsync(buffer, new IPEndPoint(IPAddress.Any, 0));
        var sessionPort = ((IPEndPoint)first.RemoteEndPoint).Port;
        Assert.NotEqual(server.Port, sessionPort);

        using var stranger = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        stranger.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        await stranger.SendToAsync(new byte[] { 0, 4, 0, 1 }, new IPEndPoint(IPAddress.Loopback, sessionPort));
        var strangerReply = new byte[100];
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        var got = await stranger.ReceiveFromAsync(strangerReply, new IPEndPoint(IPAddress.Any, 0), cts.Token);
        Assert.True(TftpPacket.TryReadError(strangerReply.AsSpan(0, got.ReceivedBytes), out var code, out _));
        Assert.Equal(TftpErrorCode.UnknownTransferId, code);

        // The real client is undisturbed: ACK 1 brings DATA 2 and nothing else.
        await client.SendToAsync(new byte[] { 0, 4, 0, 1 }, first.RemoteEndPoint);
        var second = await client.ReceiveFromAsync(buffer, new IPEndPoint(IPAddress.Any, 0));
        Assert.True(TftpPacket.TryReadData(buffer.AsSpan(0, second.ReceivedBytes), out ushort block, out _));
        Assert.Equal(2, block);
        Assert.Equal(1, server.Server.Statistics.ForeignTid);
    }

    [Fact]
    public async Task HostileTraffic_During50ClientTransfer_AllComplete_AndNewClientServedAtOnce()
    {
        string curl = Prerequisites.RequireTool("curl", "curl");
        await using var server = await LoopbackTftpServer.StartAsync();
        var content = TestFiles.Random(4 * 1024 * 1024, 21);
        server.AddFile("kernel", content);
        string expected = TestFiles.Sha256(content);
        string outDir = Directory.CreateTempSubdirectory("pxe-tftp-storm-").FullName;
        using var stop = new CancellationTokenSource();
        try
        {
            var clients = Enumerable.Range(0, 50).Select(i => Tool.RunAsync(curl, ["-sS", "--tftp-blksize", "1468", "-o", Path.Combine(outDir, $"o{i}"), $"tftp://127.0.0.1:{server.Port}/kernel"], TimeSpan.FromSeconds(120))).ToArray();
            var flood = Task.Run(() => Flood(server, stop.Token));
            var results = await Task.WhenAll(clients);
            await stop.CancelAsync();
            long sent = await flood;
            Assert.True(sent > 100, $"the flooder sent only {sent} datagrams");
            for (int i = 0; i < results.Length; i++)
            {
                Assert.True(results[i].ExitCode == 0, $"client {i}: {results[i].Output}");
                Assert.Equal(expected, TestFiles.Sha256(Path.Combine(outDir, $"o{i}")));
            }

            Assert.True(server.Server.Statistics.ForeignTid > 0, "no hostile datagram reached a live session port");
            Assert.True(server.Server.Statistics.Malformed > 0);

            // A new client right afterwards is served at once.
            var started = System.Diagnostics.Stopwatch.StartNew();
            var (exit, log) = await Tool.RunAsync(curl, ["-sS", "-o", Path.Combine(outDir, "late"), $"tftp://127.0.0.1:{server.Port}/kernel", "--tftp-blksize", "1468"], TimeSpan.FromSeconds(30));
            Assert.True(exit == 0, log);
            Assert.True(started.Elapsed < TimeSpan.FromSeconds(5), $"late client took {started.Elapsed}");
        }
        finally
        {
            Directory.Delete(outDir, true);
        }
    }

    /// <summary>Garbage, truncated and oversized datagrams to port 69 and to live session ports, from the client's address (127.0.0.1) and a stranger's (127.0.0.2).</summary>
    private static async Task<long> Flood(LoopbackTftpServer server, CancellationToken stop)
    {
        var random = new Random(99);
        using var fromClientAddress = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        fromClientAddress.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        using var fromStranger = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        fromStranger.Bind(new IPEndPoint(IPAddress.Parse("127.0.0.2"), 0));
        byte[][] payloads =
        [
            [],
            [0],
            [0, 1],
            [0, 1, (byte)'x'],                           // truncated RRQ
            [0, 4],                                      // truncated ACK
            [0, 4, 0, 1],                                // ACK from a wrong TID
            [0, 5, 0, 0, (byte)'x', 0],                  // ERROR from a wrong TID: must not end anyone's transfer
            [0, 3, 0, 1, 1, 2, 3],                       // DATA
            [0, 9, 9, 9],                                // unknown opcode
            new byte[60000],                             // oversized
            [.. Enumerable.Range(0, 700).Select(i => (byte)i)], // garbage
        ];
        long sent = 0;
        while (!stop.IsCancellationRequested)
        {
            var ports = server.Server.SessionEndPoints().Select(e => e.Port).Append(server.Port).ToArray();
            for (int i = 0; i < 20; i++)
            {
                var socket = random.Next(2) == 0 ? fromClientAddress : fromStranger;
                var target = new IPEndPoint(IPAddress.Loopback, ports[random.Next(ports.Length)]);
                try
                {
                    await socket.SendToAsync(payloads[random.Next(payloads.Length)], target);
                    sent++;
                }
                catch (SocketException)
                {
                }
            }

            // Drain ERROR 5 replies so the sockets' buffers do not fill.
            foreach (var s in new[] { fromClientAddress, fromStranger })
            {
                var drain = new byte[2048];
                while (s.Available > 0)
                {
                    s.Receive(drain);
                }
            }

            await Task.Delay(5, CancellationToken.None);
        }

        return sent;
    }
}
