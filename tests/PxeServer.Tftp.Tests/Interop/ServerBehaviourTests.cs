using System.Net;
using System.Net.Sockets;
using PxeServer.Protocols.Tftp;
using PxeServer.Transport;
using Xunit;

namespace PxeServer.Tftp.Tests.Interop;

public sealed class ServerBehaviourTests
{
    private sealed class PerClientConfig : IVirtualFileProvider
    {
        public bool TryGet(string normalizedPath, IPAddress client, out ReadOnlyMemory<byte> content)
        {
            if (normalizedPath == "pxelinux.cfg/default")
            {
                content = System.Text.Encoding.ASCII.GetBytes($"# for {client}\nDEFAULT linux\n");
                return true;
            }

            content = default;
            return false;
        }
    }

    [Fact]
    public async Task VirtualFiles_AreServedAheadOfDisk()
    {
        await using var server = await LoopbackTftpServer.StartAsync(virtualFiles: new PerClientConfig());
        server.AddFile("pxelinux.cfg/default", "disk version"u8.ToArray());
        server.AddFile("other", "from disk"u8.ToArray());
        Assert.Equal("# for 127.0.0.1\nDEFAULT linux\n", System.Text.Encoding.ASCII.GetString(await RawClient.GetAsync(server.Port, "/pxelinux.cfg/default")));
        Assert.Equal("from disk", System.Text.Encoding.ASCII.GetString(await RawClient.GetAsync(server.Port, "other", blockSize: 1468)));
    }

    [Fact]
    public async Task MaxSessionsPerClient_RefusesTheExtraRequestWithServerBusy()
    {
        await using var server = await LoopbackTftpServer.StartAsync(o => o.MaxSessionsPerClient = 1);
        server.AddFile("f", new byte[10_000]);
        // The first session stays open: its client never ACKs.
        var first = await RawClient.FirstReplyAsync(server.Port, RawClient.Rrq("f"), TimeSpan.FromSeconds(5));
        Assert.True(first is not null && TftpPacket.TryReadData(first, out _, out _));
        var second = await RawClient.FirstReplyAsync(server.Port, RawClient.Rrq("f"), TimeSpan.FromSeconds(5));
        Assert.NotNull(second);
        Assert.True(TftpPacket.TryReadError(second, out var code, out var message));
        Assert.Equal(TftpErrorCode.NotDefined, code);
        Assert.Equal("Server busy", System.Text.Encoding.ASCII.GetString(message));
        Assert.Equal(1, server.Server.Statistics.RefusedBusy);
    }

    [Fact]
    public async Task RequestRateLimit_DropsTheExcess()
    {
        await using var server = await LoopbackTftpServer.StartAsync(o => o.RequestsPerSecond = 3);
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        for (int i = 0; i < 10; i++)
        {
            await socket.SendToAsync(RawClient.Rrq($"missing-{i}"), new IPEndPoint(IPAddress.Loopback, server.Port));
        }

        await Task.Delay(500, TestContext.Current.CancellationToken);
        Assert.InRange(server.Server.Statistics.RefusedRateLimited, 6, 7);
        Assert.InRange(server.Server.Statistics.RefusedNotFound, 3, 4);
    }

    [Fact]
    public async Task OvmfTsizeProbe_ThenRealRead_BothWork()
    {
        await using var server = await LoopbackTftpServer.StartAsync();
        var content = TestFiles.Random(50_000, 8);
        server.AddFile("bootx64.efi", content);
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var options = TftpRequestOptions.None;
        options.TransferSize = 0;
        var rrq = new byte[200];
        TftpPacket.TryWriteRequest(rrq, TftpOpcode.Rrq, "bootx64.efi", TftpMode.Octet, options, out int n);
        await socket.SendToAsync(rrq.AsMemory(0, n), new IPEndPoint(IPAddress.Loopback, server.Port), TestContext.Current.CancellationToken);
        var buffer = new byte[1000];
        var reply = await socket.ReceiveFromAsync(buffer, new IPEndPoint(IPAddress.Any, 0), TestContext.Current.CancellationToken);
        Assert.True(TftpPacket.TryReadOack(buffer.AsSpan(0, reply.ReceivedBytes), out var oack));
        Assert.Equal(50_000, oack.TransferSize);
        var abort = new byte[64];
        TftpPacket.TryWriteError(abort, TftpErrorCode.OptionNegotiation, "User aborted", out int m);
        await socket.SendToAsync(abort.AsMemory(0, m), reply.RemoteEndPoint, TestContext.Current.CancellationToken);
        Assert.Equal(content, await RawClient.GetAsync(server.Port, "bootx64.efi", blockSize: 1468));
        await Task.Delay(200, TestContext.Current.CancellationToken);
        Assert.Equal(1, server.Server.Statistics.SessionsAborted);
    }

    [Fact]
    public async Task Start_PortInUse_ThrowsListenerStartException()
    {
        using var squatter = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        squatter.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        int port = ((IPEndPoint)squatter.LocalEndPoint!).Port;
        var ex = await Assert.ThrowsAsync<ListenerStartException>(() => LoopbackTftpServer.StartAsync(o => o.Port = port));
        Assert.Contains("already in use", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_MissingRoot_ThrowsListenerStartException()
    {
        var ex = await Assert.ThrowsAsync<ListenerStartException>(() => LoopbackTftpServer.StartAsync(o => o.Root = "/nonexistent/pxe-root"));
        Assert.Contains("tftp.root", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_NoSuchInterface_ThrowsListenerStartException()
    {
        var server = new TftpServer(
            Microsoft.Extensions.Options.Options.Create(new TftpOptions { Root = Path.GetTempPath(), Port = 0 }),
            Microsoft.Extensions.Options.Options.Create(new ServerOptions { Interface = "nosuchif0" }),
            Microsoft.Extensions.Logging.Abstractions.NullLogger<TftpServer>.Instance,
            TimeProvider.System);
        var ex = await Assert.ThrowsAsync<ListenerStartException>(() => server.StartAsync(CancellationToken.None));
        Assert.Contains("nosuchif0", ex.Message, StringComparison.Ordinal);
        server.Dispose();
    }

    [Fact]
    public async Task Listeners_ReportTheBoundPort()
    {
        await using var server = await LoopbackTftpServer.StartAsync();
        var listener = Assert.Single(server.Server.Listeners);
        Assert.Equal("tftp", listener.Protocol);
        Assert.Equal(server.Port, listener.Port);
        Assert.Equal("127.0.0.1", listener.Address);
    }
}
