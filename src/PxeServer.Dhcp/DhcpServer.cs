using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PxeServer.Catalog.Planning;
using PxeServer.Dhcp.Leases;
using PxeServer.Protocols.Dhcp;
using PxeServer.Transport;
using PxeServer.Transport.Udp;

namespace PxeServer.Dhcp;

/// <summary>
/// The DHCP / ProxyDHCP service: one UDP socket per interface on port 67 and one on 4011, each with one
/// receive in flight. Parsing and the decision are synchronous (<see cref="DhcpResponder"/>); in full mode an
/// ACK waits in the group-commit queue until its lease is durable. In mode <c>off</c> it does nothing.
/// </summary>
public sealed class DhcpServer : IHostedService, IListenerSource, IAsyncDisposable
{
    private readonly DhcpOptions _options;
    private readonly ServerOptions _server;
    private readonly IBootPlanner _planner;
    private readonly ILogger<DhcpServer> _logger;
    private readonly TimeProvider _time;
    private readonly List<Listener> _sockets = [];
    private readonly List<Task> _loops = [];
    private readonly DhcpCounters _counters = new();
    private CancellationTokenSource? _stopping;
    private SqliteLeaseStore? _store;
    private LeaseCommitter? _committer;
    private DhcpResponder? _responder;
    private IReadOnlyList<ListenerInfo> _listeners = [];

    /// <summary>Creates the service; nothing is opened until <see cref="StartAsync"/>.</summary>
    public DhcpServer(IOptions<DhcpOptions> options, IOptions<ServerOptions> server, IBootPlanner planner, ILogger<DhcpServer> logger, TimeProvider time)
    {
        _options = options.Value;
        _server = server.Value;
        _planner = planner;
        _logger = logger;
        _time = time;
    }

    /// <inheritdoc/>
    public IReadOnlyList<ListenerInfo> Listeners => _listeners;

    /// <summary>Counters since start.</summary>
    internal DhcpCounters Counters => _counters;

    internal DhcpResponder? Responder => _responder;

    internal LeaseCommitter? Committer => _committer;

    /// <inheritdoc/>
    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (_options.Mode == DhcpMode.Off)
        {
            return Task.CompletedTask;
        }

        var names = _server.AllInterfaces();
        IPAddress? configured = string.IsNullOrEmpty(_server.Address) ? null : IPAddress.Parse(_server.Address);
        var targets = new List<(string? Name, uint Address)>();
        if (names.Count == 0)
        {
            if (configured is null)
            {
                throw new ListenerStartException("DHCP needs server.interface (or server.address to listen on all interfaces)");
            }

            targets.Add((null, DhcpPoolOptions.ToUInt32(configured)));
        }

        foreach (var name in names)
        {
            var nic = NetworkInterfaces.Find(name);
            IPAddress? address = configured is not null && (names.Count == 1 || Equals(nic.Address, configured)) ? configured : nic.Address;
            if (address is null)
            {
                throw new ListenerStartException($"interface {name} has no IPv4 address; set server.address");
            }

            targets.Add((name, DhcpPoolOptions.ToUInt32(address)));
        }

        try
        {
            DhcpPool? pool = null;
            if (_options.Mode == DhcpMode.Full)
            {
                pool = DhcpPool.From(_options.Pool);
            }

            _responder = new DhcpResponder(_options.Mode, pool, _planner, _time, _logger);
            foreach (var (name, address) in targets)
            {
                _sockets.Add(new Listener(this, BoundUdpSocket.Open(name, IPAddress.Any, _options.Port, broadcast: true), name, address, _options.Port, bootServer: false));
                _sockets.Add(new Listener(this, BoundUdpSocket.Open(name, IPAddress.Any, _options.ProxyPort, broadcast: true), name, address, _options.ProxyPort, bootServer: true));
            }

            if (_options.Mode == DhcpMode.Full)
            {
                try
                {
                    _store = new SqliteLeaseStore(_options.LeaseStore);
                    var rows = _store.LoadAll();
                    _responder.LoadLeases(rows);
                    Log.LeasesLoaded(_logger, rows.Count, _options.LeaseStore);
                }
                catch (Exception e) when (e is Microsoft.Data.Sqlite.SqliteException or IOException or UnauthorizedAccessException)
                {
                    throw new ListenerStartException($"lease store {_options.LeaseStore}: {e.Message}", e);
                }

                _committer = new LeaseCommitter(_store, _logger);
            }
        }
        catch
        {
            foreach (var s in _sockets)
            {
                s.Socket.Dispose();
            }

            _sockets.Clear();
            _store?.Dispose();
            _store = null;
            throw;
        }

        _stopping = new CancellationTokenSource();
        var infos = new List<ListenerInfo>();
        foreach (var l in _sockets)
        {
            var local = (IPEndPoint)l.Socket.LocalEndPoint!;
            infos.Add(new ListenerInfo(l.BootServer ? "pxe-bootserver" : (_options.Mode == DhcpMode.Proxy ? "proxydhcp" : "dhcp"), local.Address.ToString(), local.Port, l.InterfaceName));
            _loops.Add(Task.Run(() => l.ReceiveLoopAsync(_stopping.Token), CancellationToken.None));
        }

        _listeners = infos;
        Log.Listening(_logger, _options.Mode.ToString().ToLowerInvariant(), string.Join(", ", infos));
        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_stopping is null)
        {
            return;
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        foreach (var l in _sockets)
        {
            l.Socket.Dispose();
        }

        await Task.WhenAll(_loops).WaitAsync(cancellationToken).ConfigureAwait(false);
        if (_committer is not null)
        {
            await _committer.DisposeAsync().ConfigureAwait(false);
            _committer = null;
        }

        _store?.Dispose();
        _store = null;
        _sockets.Clear();
        _loops.Clear();
        _stopping.Dispose();
        _stopping = null;
        _listeners = [];
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync() => await StopAsync(CancellationToken.None).ConfigureAwait(false);

    private sealed class Listener : IReplySender
    {
        private static readonly IPEndPoint s_anyEndPoint = new(IPAddress.Any, 0);
        private readonly DhcpServer _server;
        private readonly Dictionary<int, IPEndPoint> _broadcast = [];
        private readonly DhcpPacket _packet = new();
        private readonly byte[] _tx = new byte[1500];

        public Listener(DhcpServer server, Socket socket, string? interfaceName, uint address, int port, bool bootServer)
        {
            _server = server;
            Socket = socket;
            InterfaceName = interfaceName;
            Address = address;
            Port = port;
            BootServer = bootServer;
        }

        public Socket Socket { get; }

        public string? InterfaceName { get; }

        public uint Address { get; }

        public int Port { get; }

        public bool BootServer { get; }

        private string Where => InterfaceName ?? "*";

        public async Task ReceiveLoopAsync(CancellationToken ct)
        {
            var rx = GC.AllocateUninitializedArray<byte>(DhcpPacket.MaxLength + 1, pinned: true);
            while (!ct.IsCancellationRequested)
            {
                SocketReceiveMessageFromResult r;
                try
                {
                    r = await Socket.ReceiveMessageFromAsync(rx, SocketFlags.None, s_anyEndPoint, ct).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
                catch (ObjectDisposedException)
                {
                    break;
                }
                catch (SocketException e) when (e.SocketErrorCode is SocketError.OperationAborted or SocketError.Interrupted)
                {
                    break;
                }
                catch (SocketException e)
                {
                    // Transient (ICMP port unreachable from an earlier send, buffer pressure): log and keep serving.
                    Log.ReceiveError(_server._logger, Where, Port, e.SocketErrorCode.ToString());
                    continue;
                }

                var source = (IPEndPoint)r.RemoteEndPoint;
                Handle(rx.AsSpan(0, r.ReceivedBytes), source, (r.SocketFlags & SocketFlags.Truncated) != 0);
            }
        }

        // Synchronous: spans do not cross awaits. Parse, decide, then send now or after the lease commit.
        private void Handle(ReadOnlySpan<byte> datagram, IPEndPoint source, bool truncated)
        {
            var counters = _server._counters;
            Interlocked.Increment(ref counters.Received);
            var packet = _packet;
            var error = DhcpParseError.TooLong;
            if (truncated || !packet.TryParse(datagram, out error))
            {
                Interlocked.Increment(ref counters.Malformed);
                if (_server._logger.IsEnabled(LogLevel.Debug))
                {
                    Log.Malformed(_server._logger, datagram.Length, source, Where, error.ToString());
                }

                return;
            }

            Span<byte> sourceBytes = stackalloc byte[4];
            source.Address.TryWriteBytes(sourceBytes, out _);
            var ctx = new DhcpReceiveContext(Address, Port, BinaryPrimitives.ReadUInt32BigEndian(sourceBytes), source.Port, BootServer);
            var response = _server._responder!.Respond(packet, ctx, _tx);
            LogOutcome(packet, response);
            if (response.HasLeaseChange && _server._committer is { } committer)
            {
                committer.Enqueue(response.LeaseChange, _tx.AsSpan(0, response.Length), this, response.Destination, response.DestinationPort, response.Broadcast);
                Interlocked.Increment(ref response.Length > 0 ? ref counters.Replied : ref counters.Dropped);
                return;
            }

            if (response.Length == 0)
            {
                Interlocked.Increment(ref counters.Dropped);
                return;
            }

            Interlocked.Increment(ref counters.Replied);
            Send(_tx.AsSpan(0, response.Length), response.Destination, response.DestinationPort, response.Broadcast);
        }

        public void Send(ReadOnlySpan<byte> reply, uint destination, int port, bool broadcast)
        {
            IPEndPoint target;
            if (broadcast)
            {
                lock (_broadcast)
                {
                    if (!_broadcast.TryGetValue(port, out target!))
                    {
                        target = new IPEndPoint(IPAddress.Broadcast, port);
                        _broadcast[port] = target;
                    }
                }
            }
            else
            {
                target = new IPEndPoint(DhcpResponder.ToAddress(destination), port);
            }

            try
            {
                // DontRoute: a broadcast leaves on this socket's interface, never via the routing table.
                Socket.SendTo(reply, broadcast ? SocketFlags.DontRoute : SocketFlags.None, target);
            }
            catch (SocketException e)
            {
                Log.SendError(_server._logger, Where, target, e.SocketErrorCode.ToString());
            }
            catch (ObjectDisposedException)
            {
                // Stopping.
            }
        }

        private void LogOutcome(DhcpPacket packet, in DhcpResponse response)
        {
            var logger = _server._logger;
            if (response.Length == 0)
            {
                if (logger.IsEnabled(LogLevel.Debug))
                {
                    Log.Dropped(logger, Where, Port, packet.MessageType.ToString(), packet.Mac.ToString(), ArchText(packet), response.Drop.ToString(), response.Decision?.Reason);
                }

                return;
            }

            if (response.ReplyType == DhcpMessageType.Offer)
            {
                if (logger.IsEnabled(LogLevel.Debug))
                {
                    Log.Offered(logger, Where, Port, packet.Mac.ToString(), ArchText(packet), response.Decision?.BootFile);
                }

                return;
            }

            if (logger.IsEnabled(LogLevel.Information))
            {
                Log.Replied(logger, Where, Port, packet.MessageType.ToString(), packet.Mac.ToString(), ArchText(packet), response.ReplyType.ToString(),
                    response.HasLeaseChange ? DhcpResponder.ToAddress(response.LeaseChange.Address).ToString() : "-", response.Decision?.BootFile, response.Decision?.Reason);
            }
        }

        private static string ArchText(DhcpPacket packet) => packet.Architecture is { } a ? ((ushort)a).ToString(System.Globalization.CultureInfo.InvariantCulture) : "-";
    }
}

/// <summary>Counters of the DHCP service (read with Interlocked.Read).</summary>
internal sealed class DhcpCounters
{
#pragma warning disable CA1051, SA1401 // fields so Interlocked can take them by ref
    public long Received;
    public long Malformed;
    public long Replied;
    public long Dropped;
#pragma warning restore CA1051, SA1401
}
