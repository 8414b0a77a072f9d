using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using PxeServer.Protocols.Tftp;
using PxeServer.Transport;

namespace PxeServer.Tftp.Tests.Interop;

/// <summary>The real server, in-process on 127.0.0.1 with an ephemeral port and a temporary root.</summary>
internal sealed class LoopbackTftpServer : IAsyncDisposable
{
    private readonly bool _ownsRoot;

    private LoopbackTftpServer(string root, TftpServer server, bool ownsRoot)
    {
        Root = root;
        Server = server;
        _ownsRoot = ownsRoot;
    }

    public string Root { get; }

    public TftpServer Server { get; }

    public int Port => Server.LocalEndPoint!.Port;

    public static async Task<LoopbackTftpServer> StartAsync(Action<TftpOptions>? configure = null, IVirtualFileProvider? virtualFiles = null, string? root = null)
    {
        bool owns = root is null;
        root ??= Directory.CreateTempSubdirectory("pxe-tftp-").FullName;
        var options = new TftpOptions { Root = root, Port = 0, MaxSessionsPerClient = 1000, RequestsPerSecond = 0 };
        configure?.Invoke(options);
        var server = new TftpServer(Options.Create(options), Options.Create(new ServerOptions { Address = "127.0.0.1" }), NullLogger<TftpServer>.Instance, TimeProvider.System, virtualFiles);
        try
        {
            await server.StartAsync(CancellationToken.None);
        }
        catch
        {
            server.Dispose();
            if (owns)
            {
                Directory.Delete(root, recursive: true);
            }

            throw;
        }

        return new LoopbackTftpServer(root, server, owns);
    }

    public string AddFile(string name, byte[] content)
    {
        string path = Path.Combine(Root, name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, content);
        return path;
    }

    public async ValueTask DisposeAsync()
    {
        await Server.StopAsync(CancellationToken.None);
        Server.Dispose();
        if (!_ownsRoot)
        {
            return;
        }

        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

internal static class TestFiles
{
    public static byte[] Random(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    public static string Sha256(byte[] bytes) => Convert.ToHexString(SHA256.HashData(bytes));

    public static string Sha256(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexString(SHA256.HashData(stream));
    }
}

/// <summary>Runs a client tool with a hard timeout.</summary>
internal static class Tool
{
    public static async Task<(int ExitCode, string Output)> RunAsync(string exe, IEnumerable<string> args, TimeSpan timeout, string? workingDirectory = null)
    {
        var info = new ProcessStartInfo(exe) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (workingDirectory is not null)
        {
            info.WorkingDirectory = workingDirectory;
        }

        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            return (-1, $"{exe} timed out after {timeout}: {await stdout}{await stderr}");
        }

        return (process.ExitCode, (await stdout) + (await stderr));
    }
}

/// <summary>A minimal TFTP client over a raw UDP socket, for answers the tools hide (error codes, hostile names).</summary>
internal static class RawClient
{
    /// <summary>Sends an RRQ built from raw bytes and returns the first reply (or null after the timeout).</summary>
    public static async Task<byte[]?> FirstReplyAsync(int port, byte[] request, TimeSpan timeout)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        await socket.SendToAsync(request, new IPEndPoint(IPAddress.Loopback, port));
        var buffer = new byte[70000];
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            var result = await socket.ReceiveFromAsync(buffer, new IPEndPoint(IPAddress.Any, 0), cts.Token);
            return buffer[..result.ReceivedBytes];
        }
        catch (OperationCanceledException)
        {
            return null;
        }
    }

    public static byte[] Rrq(string name, string mode = "octet") =>
        [0, 1, .. System.Text.Encoding.UTF8.GetBytes(name), 0, .. System.Text.Encoding.ASCII.GetBytes(mode), 0];

    /// <summary>Downloads a file lockstep with the given options; returns the bytes.</summary>
    public static async Task<byte[]> GetAsync(int port, string name, TftpMode mode = TftpMode.Octet, int blockSize = -1)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var options = TftpRequestOptions.None;
        options.BlockSize = blockSize;
        var packet = new byte[600];
        TftpPacket.TryWriteRequest(packet, TftpOpcode.Rrq, name, mode, options, out int n);
        await socket.SendToAsync(packet.AsMemory(0, n), new IPEndPoint(IPAddress.Loopback, port));
        var result = new MemoryStream();
        var buffer = new byte[70000];
        int size = blockSize > 0 ? blockSize : 512;
        ushort expected = 1;
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (true)
        {
            var r = await socket.ReceiveFromAsync(buffer, new IPEndPoint(IPAddress.Any, 0), cts.Token);
            var datagram = buffer[..r.ReceivedBytes];
            var ack = new byte[4];
            if (TftpPacket.TryReadOack(datagram, out _))
            {
                TftpPacket.TryWriteAck(ack, 0, out _);
                await socket.SendToAsync(ack, r.RemoteEndPoint);
                continue;
            }

            if (!TftpPacket.TryReadData(datagram, out ushort block, out _))
            {
                throw new InvalidOperationException("unexpected reply " + Convert.ToHexString(datagram));
            }

            int payloadLength = datagram.Length - 4;
            if (block == expected)
            {
                result.Write(datagram, 4, payloadLength);
                expected++;
            }

            TftpPacket.TryWriteAck(ack, block, out _);
            await socket.SendToAsync(ack, r.RemoteEndPoint);
            if (block == (ushort)(expected - 1) && payloadLength < size)
            {
                return result.ToArray();
            }
        }
    }
}
