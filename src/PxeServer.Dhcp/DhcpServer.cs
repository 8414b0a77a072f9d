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
/// The DHCP / ProxyDHCP service: one UDP socket per interface on port 67 and one on 4011, each read by its own
/// thread. Parsing and the decision are synchronous (<see cref="DhcpResponder"/>); in full mode an
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

    /// <summary>A snapshot of the counters since start (for metrics, the test harness and the benchmark).</summary>
    public DhcpStatistics Statistics => new(
        Interlocked.Read(ref _counters.Received),
        Interlocked.Read(ref _counters.Malformed),
        Interlocked.Read(ref _counters.Replied),
        Interlocked.Read(ref _counters.Dropped),
        _committer?.Committed ?? 0,
        _committer?.Dropped ?? 0,
        _committer?.Batches ?? 0,
        _committer?.MaxBatchSize ?? 0,
        _committer?.MaxCommitTime ?? TimeSpan.Zero);

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
            var token = _stopping.Token;
            _loops.Add(Task.Factory.StartNew(() => l.ReceiveLoop(token), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default));
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
        private const int StopPollMilliseconds = 500;

        [ThreadStatic]
        private static SocketAddress? t_target;

        private readonly DhcpServer _server;
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

        /// <summary>
        /// The receive loop, run on its own thread: a blocking receive into one pinned buffer and a caller-owned
        /// <see cref="SocketAddress"/>, then parse, decide and send on the same thread. Compared with an awaited
        /// ReceiveMessageFromAsync this allocates nothing per datagram (no IPEndPoint, no IPPacketInformation: the
        /// socket is bound to its interface, so the listener already knows where a datagram came in) and makes no
        /// hop from the socket engine thread to the thread pool, so a busy pool cannot stall the 67/4011 loop.
        /// </summary>
        public void ReceiveLoop(CancellationToken ct)
        {
            Thread.CurrentThread.Name = $"dhcp-rx {Where}:{Port}";
            var rx = GC.AllocateUninitializedArray<byte>(DhcpPacket.MaxLength + 1, pinned: true);
            var peer = new SocketAddress(AddressFamily.InterNetwork);

            // The timeout only bounds how long a stop can wait if closing the socket did not wake the receive.
            Socket.ReceiveTimeout = StopPollMilliseconds;
            while (!ct.IsCancellationRequested)
            {
                int n;
                try
                {
                    n = Socket.ReceiveFrom(rx, SocketFlags.None, peer);
                }
                catch (ObjectDisposedException)
                {
                    break;
                }
                catch (SocketException e) when (e.SocketErrorCode is SocketError.TimedOut or SocketError.WouldBlock)
                {
                    continue;
                }
                catch (SocketException e) when (e.SocketErrorCode is SocketError.OperationAborted or SocketError.Interrupted or SocketError.Shutdown or SocketError.NotSocket)
                {
                    break;
                }
                catch (SocketException e)
                {
                    // Transient (ICMP port unreachable from an earlier send, buffer pressure): log and keep serving.
                    Log.ReceiveError(_server._logger, Where, Port, e.SocketErrorCode.ToString());
                    continue;
                }

                if (ct.IsCancellationRequested)
                {
                    break;
                }

                // sockaddr_in: family (2 bytes), port (big-endian), IPv4 address (big-endian).
                var sa = peer.Buffer.Span;
                uint sourceAddress = BinaryPrimitives.ReadUInt32BigEndian(sa.Slice(4, 4));
                int sourcePort = BinaryPrimitives.ReadUInt16BigEndian(sa.Slice(2, 2));

                // The buffer is one byte longer than the largest datagram we accept, so a longer one shows as n > MaxLength.
                bool truncated = n > DhcpPacket.MaxLength;
                Handle(rx.AsSpan(0, Math.Min(n, DhcpPacket.MaxLength)), sourceAddress, sourcePort, truncated);
            }
        }

        // Synchronous: spans do not cross awaits. Parse, decide, then send now or after the lease commit.
        private void Handle(ReadOnlySpan<byte> datagram, uint sourceAddress, int sourcePort, bool truncated)
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
                    Log.Malformed(_server._logger, datagram.Length, new IPEndPoint(DhcpResponder.ToAddress(sourceAddress), sourcePort), Where, error.ToString());
                }

                return;
            }

            var ctx = new DhcpReceiveContext(Address, Port, sourceAddress, sourcePort, BootServer);
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
            // Called from this listener's receive thread and from the commit writer: one target address per thread.
            var target = t_target ??= new SocketAddress(AddressFamily.InterNetwork);
            var sa = target.Buffer.Span;
            BinaryPrimitives.WriteUInt16BigEndian(sa.Slice(2, 2), (ushort)port);
            BinaryPrimitives.WriteUInt32BigEndian(sa.Slice(4, 4), broadcast ? 0xFFFF_FFFFu : destination);
            try
            {
                // DontRoute: a broadcast leaves on this socket's interface, never via the routing table.
                Socket.SendTo(reply, broadcast ? SocketFlags.DontRoute : SocketFlags.None, target);
            }
            catch (SocketException e)
            {
                Log.SendError(_server._logger, Where, new IPEndPoint(broadcast ? IPAddress.Broadcast : DhcpResponder.ToAddress(destination), port), e.SocketErrorCode.ToString());
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

/// <summary>DHCP service counters since start.</summary>
/// <param name="Received">Datagrams received on every listener.</param>
/// <param name="Malformed">Datagrams dropped because they did not parse.</param>
/// <param name="Replied">Replies sent or queued behind their lease commit.</param>
/// <param name="Dropped">Well-formed datagrams that needed no reply (not ours, ignored MAC, RELEASE...).</param>
/// <param name="LeaseChangesCommitted">Lease changes made durable (full mode).</param>
/// <param name="CommitQueueDropped">Lease changes (and their replies) shed because the commit queue was full.</param>
/// <param name="CommitBatches">Group-commit transactions (one fsync each).</param>
/// <param name="MaxCommitBatch">The most lease changes committed in one transaction.</param>
/// <param name="MaxCommitTime">The longest commit (transaction and fsync): the worst wait an ACK had behind the disk.</param>
public readonly record struct DhcpStatistics(
    long Received, long Malformed, long Replied, long Dropped, long LeaseChangesCommitted, long CommitQueueDropped, long CommitBatches, int MaxCommitBatch, TimeSpan MaxCommitTime);

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
