using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace PxeServer.Tftp.Tests.Interop;

/// <summary>
/// A user-space stand-in for netem (absent from this kernel): clients talk to the relay's port as if it
/// were the server; the relay forwards both ways through a per-client upstream socket, following the
/// server's session TID, and drops, duplicates and reorders datagrams with a seeded random source.
/// </summary>
internal sealed class LossyUdpRelay : IDisposable
{
    private readonly Socket _front;
    private readonly IPEndPoint _server;
    private readonly Random _random;
    private readonly double _drop;
    private readonly double _duplicate;
    private readonly double _reorder;
    private readonly ConcurrentDictionary<IPEndPoint, Upstream> _upstreams = new();
    private readonly CancellationTokenSource _stop = new();
    private long _dropped;
    private long _duplicated;
    private long _reordered;
    private long _forwarded;

    public LossyUdpRelay(IPEndPoint server, int seed, double drop = 0.05, double duplicate = 0.02, double reorder = 0.05)
    {
        _server = server;
        _random = new Random(seed);
        _drop = drop;
        _duplicate = duplicate;
        _reorder = reorder;
        _front = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        _front.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _ = Task.Run(FrontLoopAsync);
    }

    public int Port => ((IPEndPoint)_front.LocalEndPoint!).Port;

    public long Dropped => Interlocked.Read(ref _dropped);

    public long Duplicated => Interlocked.Read(ref _duplicated);

    public long Reordered => Interlocked.Read(ref _reordered);

    public long Forwarded => Interlocked.Read(ref _forwarded);

    public void Dispose()
    {
        _stop.Cancel();
        _front.Dispose();
        foreach (var upstream in _upstreams.Values)
        {
            upstream.Socket.Dispose();
        }
    }

    private async Task FrontLoopAsync()
    {
        var buffer = new byte[70000];
        while (!_stop.IsCancellationRequested)
        {
            SocketReceiveFromResult result;
            try
            {
                result = await _front.ReceiveFromAsync(buffer, new IPEndPoint(IPAddress.Any, 0), _stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException)
            {
                continue;
            }

            var client = (IPEndPoint)result.RemoteEndPoint;
            var upstream = _upstreams.GetOrAdd(client, c =>
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
                socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
                var created = new Upstream(socket, c);
                _ = Task.Run(() => UpstreamLoopAsync(created));
                return created;
            });
            Deliver(upstream.Socket, buffer[..result.ReceivedBytes], upstream.Session ?? _server);
        }
    }

    private async Task UpstreamLoopAsync(Upstream upstream)
    {
        var buffer = new byte[70000];
        while (!_stop.IsCancellationRequested)
        {
            SocketReceiveFromResult result;
            try
            {
                result = await upstream.Socket.ReceiveFromAsync(buffer, new IPEndPoint(IPAddress.Any, 0), _stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException)
            {
                continue;
            }

            var from = (IPEndPoint)result.RemoteEndPoint;
            if (from.Port != _server.Port)
            {
                upstream.Session = from;
            }

            Deliver(_front, buffer[..result.ReceivedBytes], upstream.Client);
        }
    }

    private void Deliver(Socket socket, byte[] datagram, IPEndPoint to)
    {
        bool drop, duplicate, reorder;
        int delay;
        lock (_random)
        {
            drop = _random.NextDouble() < _drop;
            duplicate = _random.NextDouble() < _duplicate;
            reorder = _random.NextDouble() < _reorder;
            delay = 2 + _random.Next(8);
        }

        if (drop)
        {
            Interlocked.Increment(ref _dropped);
            return;
        }

        if (reorder)
        {
            // Held back a few milliseconds so that later datagrams overtake it.
            Interlocked.Increment(ref _reordered);
            _ = Task.Delay(delay).ContinueWith(_ => Send(socket, datagram, to), TaskScheduler.Default);
        }
        else
        {
            Send(socket, datagram, to);
        }

        if (duplicate)
        {
            Interlocked.Increment(ref _duplicated);
            _ = Task.Delay(delay).ContinueWith(_ => Send(socket, datagram, to), TaskScheduler.Default);
        }
    }

    private void Send(Socket socket, byte[] datagram, IPEndPoint to)
    {
        try
        {
            socket.SendTo(datagram, to);
            Interlocked.Increment(ref _forwarded);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
        }
    }

    private sealed class Upstream(Socket socket, IPEndPoint client)
    {
        public Socket Socket { get; } = socket;

        public IPEndPoint Client { get; } = client;

        public IPEndPoint? Session { get; set; }
    }
}
