using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PxeServer.Protocols.Tftp;
using PxeServer.Tftp.Engine;
using PxeServer.Tftp.Files;
using PxeServer.Tftp.Transport;
using PxeServer.Transport;

namespace PxeServer.Tftp;

/// <summary>
/// The TFTP server: port 69 (<c>tftp.port</c>) takes read requests only; each transfer gets its own
/// ephemeral UDP socket (its TID), an async receive loop, and a place on one shared retransmission tick.
/// Files come from an optional <see cref="IVirtualFileProvider"/> first, then the confined disk root.
/// </summary>
public sealed class TftpServer : IHostedService, IListenerSource, IDisposable
{
    private const int ReplyBufferSize = 600;
    private const int LoopbackBlockCap = TftpRequestOptions.MaxBlockSize;
    private const int IpUdpTftpOverhead = 20 + 8 + 4;

    private readonly TftpOptions _options;
    private readonly ServerOptions _server;
    private readonly ILogger<TftpServer> _logger;
    private readonly IVirtualFileProvider? _virtualFiles;
    private readonly LogThrottle _throttle;
    private readonly Lock _gate = new();
    private readonly Dictionary<IPEndPoint, ServerSession> _sessions = [];
    private readonly Dictionary<IPAddress, int> _perClient = [];
    private readonly byte[] _reply = new byte[ReplyBufferSize];
    private readonly Dictionary<IPAddress, int> _mtuByAddress = [];
    private int? _interfaceMtu;
    private Socket? _listener;
    private DiskFileSource? _disk;
    private UploadDirectory? _uploads;
    private TftpSessionScheduler? _scheduler;
    private TftpAdmission _admission = new(0);
    private TftpIoLoop[] _loops = [];
    private long _nextSessionId;
    private CancellationTokenSource? _stopping;
    private Task? _listenTask;
    private IReadOnlyList<ListenerInfo> _listeners = [];
    private double _tokens;
    private long _lastRefill;

    /// <summary>Creates the server; nothing is bound until <see cref="StartAsync"/>.</summary>
    public TftpServer(IOptions<TftpOptions> options, IOptions<ServerOptions> server, ILogger<TftpServer> logger, TimeProvider time, IVirtualFileProvider? virtualFiles = null)
    {
        _options = options.Value;
        _server = server.Value;
        _logger = logger;
        Time = time;
        _virtualFiles = virtualFiles;
        _throttle = new LogThrottle(time, 20);
    }

    /// <summary>Raised after every transfer ends (on a pool thread; keep it quick).</summary>
    public event Action<TftpTransferRecord>? TransferFinished;

    /// <inheritdoc/>
    public IReadOnlyList<ListenerInfo> Listeners => _listeners;

    /// <summary>Counters since start.</summary>
    public TftpStatistics Statistics { get; } = new();

    /// <summary>The bound request endpoint (with the real port when 0 was configured), or null before start.</summary>
    public IPEndPoint? LocalEndPoint => _listener?.LocalEndPoint as IPEndPoint;

    internal TimeProvider Time { get; }

    /// <inheritdoc/>
    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (!_options.Enabled)
        {
            return Task.CompletedTask;
        }

        string root = Path.GetFullPath(_options.Root);
        string realRoot = NativeFile.RealPath(root) is { } r && Directory.Exists(r)
            ? r
            : throw new ListenerStartException($"tftp.root '{root}' is not a directory");
        _disk = new DiskFileSource(realRoot, _options.CacheMaxBytes, _options.CacheMaxFileBytes);
        if (_options.AllowUploads)
        {
            _uploads = OpenUploadRoot(realRoot);
        }

        var address = string.IsNullOrEmpty(_server.Address) ? IPAddress.Any : IPAddress.Parse(_server.Address);
        LoadMtus();
        var endpoint = new IPEndPoint(address, _options.Port);
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            if (!string.IsNullOrEmpty(_server.Interface))
            {
                try
                {
                    UdpSessionTransport.BindToDevice(socket, _server.Interface);
                }
                catch (SocketException e)
                {
                    throw new ListenerStartException($"tftp: cannot bind to interface '{_server.Interface}' ({e.Message}; it must exist, and SO_BINDTODEVICE needs root or CAP_NET_RAW)", e);
                }
            }

            socket.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.PacketInformation, true);
            socket.Bind(endpoint);
        }
        catch (SocketException e)
        {
            socket.Dispose();
            string why = e.SocketErrorCode switch
            {
                SocketError.AddressAlreadyInUse => "is already in use",
                SocketError.AccessDenied => "needs root or CAP_NET_BIND_SERVICE",
                SocketError.AddressNotAvailable => "is not an address of this host",
                _ => "cannot be bound: " + e.Message,
            };
            throw new ListenerStartException($"tftp: udp {endpoint} {why}", e);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        _listener = socket;
        var bound = (IPEndPoint)socket.LocalEndPoint!;
        _listeners = [new ListenerInfo("tftp", bound.Address.ToString(), bound.Port, string.IsNullOrEmpty(_server.Interface) ? null : _server.Interface)];
        _scheduler = new TftpSessionScheduler(Time, TimeSpan.FromMilliseconds(100));
        _admission = new TftpAdmission(_options.ActiveTransfers);
        if (NativeUdp.IsSupported)
        {
            // A few epoll threads for all sessions: on loopback a turn-around costs microseconds, and a thread-pool hop per ACK would dominate.
            int loops = Math.Clamp(Environment.ProcessorCount / 2, 1, 4);
            _loops = [.. Enumerable.Range(0, loops).Select(i => new TftpIoLoop($"tftp-io-{i}", TimeSpan.FromMicroseconds(_options.PollSpinMicroseconds)))];
        }

        _stopping = new CancellationTokenSource();
        _lastRefill = Time.GetTimestamp();
        _tokens = _options.RequestsPerSecond;
        _listenTask = Task.Run(() => ListenAsync(_stopping.Token), CancellationToken.None);
        Log.Listening(_logger, _listeners[0].ToString(), realRoot);
        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_stopping is null)
        {
            return;
        }

        await _stopping.CancelAsync();
        _listener?.Dispose();
        if (_listenTask is not null)
        {
            await _listenTask.WaitAsync(cancellationToken).ConfigureAwait(false);
        }

        ServerSession[] live;
        lock (_gate)
        {
            live = [.. _sessions.Values];
        }

        foreach (var session in live)
        {
            session.Abort("Server shutting down");
            session.Close(TftpSessionStatus.Failed);
        }

        _scheduler?.Dispose();
    }

    private int _disposed;

    /// <inheritdoc/>
    public void Dispose()
    {
        // The container disposes this instance once per registration (singleton, hosted service, listener source).
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _stopping?.Cancel();
        _listener?.Dispose();
        _scheduler?.Dispose();
        _stopping?.Dispose();
    }

    /// <summary>The session sockets (TIDs) of live transfers, for tests and status.</summary>
    internal IReadOnlyList<IPEndPoint> SessionEndPoints()
    {
        lock (_gate)
        {
            return [.. _sessions.Values.Select(s => s.LocalEndPoint)];
        }
    }

    /// <summary>A transfer failed with an unexpected exception; it is closed, the server goes on.</summary>
    internal void OnSessionFault(ServerSession session, Exception exception) => Log.RequestFailed(_logger, session.ClientEndPoint, exception);

    internal void OnForeignTid(ServerSession session, string from)
    {
        Interlocked.Increment(ref Statistics._foreignTid);
        if (_throttle.Allow(_logger))
        {
            Log.Dropped(_logger, session.ClientEndPoint, $"datagram from a wrong TID ({from}) answered with ERROR 5");
        }
    }

    internal void OnSessionNoise(ServerSession session, SocketAddress from, string reason)
    {
        Interlocked.Increment(ref Statistics._malformed);
        if (_throttle.Allow(_logger))
        {
            Log.Dropped(_logger, session.ClientEndPoint, reason);
        }
    }

    internal void OnSessionClosed(ServerSession session, TftpSessionStatus status)
    {
        lock (_gate)
        {
            _sessions.Remove(session.ClientEndPoint);
            var ip = session.ClientEndPoint.Address;
            if (_perClient.TryGetValue(ip, out int n))
            {
                if (n <= 1)
                {
                    _perClient.Remove(ip);
                }
                else
                {
                    _perClient[ip] = n - 1;
                }
            }

            Statistics.ActiveSessions = _sessions.Count;
        }

        _scheduler?.Remove(session);
        if (session.Upload is { } upload)
        {
            OnUploadClosed(session, upload, status);
            return;
        }

        _admission.Release(session, Time.GetTimestamp());
        var engine = session.Engine;
        Interlocked.Add(ref Statistics._retransmissions, engine.Retransmissions);
        Interlocked.Add(ref Statistics._dataPackets, engine.DataPacketsSent);
        string outcome;
        switch (status)
        {
            case TftpSessionStatus.Completed:
                Interlocked.Increment(ref Statistics._sessionsCompleted);
                Interlocked.Add(ref Statistics._bytesSent, session.Length);
                outcome = "completed";
                break;
            case TftpSessionStatus.AbortedByClient:
                Interlocked.Increment(ref Statistics._sessionsAborted);
                outcome = $"aborted by client (ERROR {(int)engine.ClientError})";
                break;
            case TftpSessionStatus.TimedOut:
                Interlocked.Increment(ref Statistics._sessionsTimedOut);
                outcome = "timed out";
                break;
            default:
                Interlocked.Increment(ref Statistics._sessionsFailed);
                outcome = "failed";
                break;
        }

        var elapsed = Time.GetElapsedTime(session.StartTimestamp);
        Log.SessionEnded(_logger, session.ClientEndPoint, session.File, outcome, (long)elapsed.TotalMilliseconds, engine.AcknowledgedBlocks, engine.TotalBlocks, engine.Retransmissions);
        TransferFinished?.Invoke(new TftpTransferRecord(session.ClientEndPoint.Address, session.File, session.Length, outcome, elapsed));
    }

    private async Task ListenAsync(CancellationToken cancellationToken)
    {
        var buffer = GC.AllocateUninitializedArray<byte>(65536, pinned: true);
        EndPoint any = new IPEndPoint(IPAddress.Any, 0);
        var listener = _listener!;
        while (!cancellationToken.IsCancellationRequested)
        {
            SocketReceiveMessageFromResult result;
            try
            {
                result = await listener.ReceiveMessageFromAsync(buffer, SocketFlags.None, any, cancellationToken);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
            {
                break;
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.MessageSize or SocketError.ConnectionReset or SocketError.ConnectionRefused or SocketError.NoBufferSpaceAvailable)
            {
                // Transient: a truncated giant datagram or an ICMP error from an earlier reply.
                Interlocked.Increment(ref Statistics._malformed);
                continue;
            }
            catch (SocketException e)
            {
                if (cancellationToken.IsCancellationRequested)
                {
                    break;
                }

                Log.SocketError(_logger, _listeners[0].ToString(), e.SocketErrorCode.ToString());
                await Task.Delay(TimeSpan.FromMilliseconds(100), Time, cancellationToken).ConfigureAwait(false);
                continue;
            }

            var remote = (IPEndPoint)result.RemoteEndPoint;
            var local = result.PacketInformation.Address ?? IPAddress.Any;
            try
            {
                HandleRequest(buffer.AsSpan(0, result.ReceivedBytes), remote, local, cancellationToken);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // One request's failure (a provider's bug, a resource limit) must not stop the listener.
                if (_throttle.Allow(_logger, LogLevel.Warning))
                {
                    Log.RequestFailed(_logger, remote, e);
                }
            }
        }
    }

    private void HandleRequest(ReadOnlySpan<byte> datagram, IPEndPoint remote, IPAddress local, CancellationToken cancellationToken)
    {
        if (!TftpPacket.TryReadRequest(datagram, out var request))
        {
            Interlocked.Increment(ref Statistics._malformed);
            if (_throttle.Allow(_logger))
            {
                Log.Dropped(_logger, remote, $"not a valid request ({datagram.Length} bytes)");
            }

            return;
        }

        string shown = PrintableName(request.FileName);
        if (request.Opcode == TftpOpcode.Wrq && _uploads is null)
        {
            Interlocked.Increment(ref Statistics._refusedWrite);
            Refuse(remote, shown, "write request (tftp.allowUploads is off)", TftpErrorCode.AccessViolation, "Write not permitted");
            return;
        }

        if (request.Mode == TftpMode.Mail)
        {
            Interlocked.Increment(ref Statistics._refusedOther);
            Refuse(remote, shown, "mail mode", TftpErrorCode.IllegalOperation, "Mail mode not supported");
            return;
        }

        if (!TakeToken())
        {
            Interlocked.Increment(ref Statistics._refusedRateLimited);
            if (_throttle.Allow(_logger))
            {
                Log.Refused(_logger, remote, shown, "request-rate limit (dropped; the client will retry)");
            }

            return;
        }

        lock (_gate)
        {
            if (_sessions.ContainsKey(remote))
            {
                // A retransmitted RRQ of a live transfer: the session's own timer answers it.
                Interlocked.Increment(ref Statistics._refusedOther);
                return;
            }

            if (_sessions.Count >= _options.MaxSessions || (_perClient.TryGetValue(remote.Address, out int mine) && mine >= _options.MaxSessionsPerClient))
            {
                Interlocked.Increment(ref Statistics._refusedBusy);
                Refuse(remote, shown, _sessions.Count >= _options.MaxSessions ? "tftp.maxSessions reached" : "tftp.maxSessionsPerClient reached", TftpErrorCode.NotDefined, "Server busy");
                return;
            }
        }

        if (request.Opcode == TftpOpcode.Wrq)
        {
            StartUpload(request, remote, local, shown, cancellationToken);
            return;
        }

        if (!TftpPath.TryNormalize(request.FileName, out string path, out string reason))
        {
            NotFound(remote, shown, "forbidden: " + reason);
            return;
        }

        ITftpFileContent? content;
        string source;
        if (_virtualFiles is not null && _virtualFiles.TryGet(path, remote.Address, out var memory))
        {
            content = new MemoryFileContent(memory);
            source = " (virtual)";
        }
        else
        {
            var found = _disk!.TryOpen(path, out content, out string detail);
            if (found != FileLookupResult.Found)
            {
                NotFound(remote, shown, (found == FileLookupResult.Forbidden ? "forbidden: " : "missing: ") + detail);
                return;
            }

            source = string.Empty;
        }

        if (request.Mode == TftpMode.NetAscii)
        {
            content = ToNetAscii(content!);
        }

        int maxBlock = Math.Min(_options.MaxBlockSize, BlockCapFor(local));
        var parameters = TftpTransferParameters.Negotiate(request.Options, content!.Length, maxBlock, _options.MaxWindowSize, _options.TimeoutSeconds);
        Socket socket;
        try
        {
            int sendBuffer = parameters.WindowSize > 1 ? (int)Math.Min(8L << 20, (long)(parameters.BlockSize + 64) * parameters.WindowSize * 2) : 0;
            socket = UdpSessionTransport.OpenSocket(local.Equals(IPAddress.Any) ? IPAddress.Any : local, _server.Interface, sendBuffer);
        }
        catch (SocketException e)
        {
            content.Dispose();
            Log.SocketError(_logger, "session socket", e.SocketErrorCode.ToString());
            Refuse(remote, shown, "no session socket", TftpErrorCode.NotDefined, "Server busy");
            return;
        }

        long now = Time.GetTimestamp();
        ulong id = (ulong)Interlocked.Increment(ref _nextSessionId);
        var loop = _loops.Length == 0 ? null : _loops[(int)(id % (ulong)_loops.Length)];
        var session = new ServerSession(id, this, socket, content, remote, path, parameters, Time.TimestampFrequency, _options.MaxRetries, now, loop is not null)
        {
            Loop = loop,
        };
        lock (_gate)
        {
            _sessions[remote] = session;
            _perClient[remote.Address] = _perClient.GetValueOrDefault(remote.Address) + 1;
            Statistics.ActiveSessions = _sessions.Count;
        }

        Interlocked.Increment(ref Statistics._sessionsStarted);
        Log.SessionStarted(_logger, remote, path, content.Length, parameters.BlockSize, parameters.WindowSize, source);
        session.Transport.UseGso = _options.UdpSegmentationOffload;
        _admission.Admit(session);
        var status = session.Engine.Start(now);
        if (status != TftpSessionStatus.Active)
        {
            session.Close(status);
            return;
        }

        _scheduler!.Add(session);
        if (loop is not null)
        {
            loop.Add(session);
        }
        else
        {
            _ = session.RunAsync(cancellationToken);
        }
    }

    /// <summary>
    /// A write request with uploads on: the same limits and path rules as reads (already checked: rate, sessions),
    /// then ERROR 2 for a forbidden name or a missing directory, ERROR 6 for an existing file (unless overwriting),
    /// ERROR 3 for an announced tsize over <c>tftp.maxUploadBytes</c>; otherwise a session on its own port.
    /// </summary>
    private void StartUpload(TftpRequest request, IPEndPoint remote, IPAddress local, string shown, CancellationToken cancellationToken)
    {
        if (!TftpPath.TryNormalize(request.FileName, out string path, out string reason))
        {
            RefuseUpload(remote, shown, "forbidden: " + reason, TftpErrorCode.AccessViolation, "Access violation");
            return;
        }

        long announced = request.Options.TransferSize;
        if (announced > _options.MaxUploadBytes)
        {
            RefuseUpload(remote, shown, $"announced tsize {announced} exceeds tftp.maxUploadBytes ({_options.MaxUploadBytes})", TftpErrorCode.DiskFull, "Disk full or allocation exceeded");
            return;
        }

        var opened = _uploads!.TryCreate(path, request.Mode == TftpMode.NetAscii, out var writer, out string detail);
        if (opened != UploadOpenResult.Created)
        {
            if (opened == UploadOpenResult.Exists)
            {
                RefuseUpload(remote, shown, "exists: " + detail, TftpErrorCode.FileAlreadyExists, "File already exists");
            }
            else
            {
                RefuseUpload(remote, shown, (opened == UploadOpenResult.MissingDirectory ? "missing: " : "forbidden: ") + detail, TftpErrorCode.AccessViolation, "Access violation");
            }

            return;
        }

        int maxBlock = Math.Min(_options.MaxBlockSize, BlockCapFor(local));
        var parameters = TftpTransferParameters.Negotiate(request.Options, announced, maxBlock, _options.MaxWindowSize, _options.TimeoutSeconds);
        Socket socket;
        try
        {
            socket = UdpSessionTransport.OpenSocket(local.Equals(IPAddress.Any) ? IPAddress.Any : local, _server.Interface, 0);
            if (parameters.WindowSize > 1)
            {
                // A whole window arrives back to back: room for two, so a burst is not dropped by the kernel.
                socket.ReceiveBufferSize = (int)Math.Min(8L << 20, (long)(parameters.BlockSize + 64) * parameters.WindowSize * 2);
            }
        }
        catch (SocketException e)
        {
            writer!.Dispose();
            Log.SocketError(_logger, "session socket", e.SocketErrorCode.ToString());
            RefuseUpload(remote, shown, "no session socket", TftpErrorCode.NotDefined, "Server busy");
            return;
        }

        long now = Time.GetTimestamp();
        ulong id = (ulong)Interlocked.Increment(ref _nextSessionId);
        var loop = _loops.Length == 0 ? null : _loops[(int)(id % (ulong)_loops.Length)];
        var session = new ServerSession(id, this, socket, writer!, remote, path, parameters, Time.TimestampFrequency, _options.MaxRetries, _options.MaxUploadBytes, now, loop is not null)
        {
            Loop = loop,
        };
        lock (_gate)
        {
            _sessions[remote] = session;
            _perClient[remote.Address] = _perClient.GetValueOrDefault(remote.Address) + 1;
            Statistics.ActiveSessions = _sessions.Count;
        }

        Interlocked.Increment(ref Statistics._sessionsStarted);
        Interlocked.Increment(ref Statistics._uploadsStarted);
        Log.UploadStarted(_logger, remote, path, announced, parameters.BlockSize, parameters.WindowSize);
        var status = session.Upload!.Start(now);
        if (status != TftpSessionStatus.Active)
        {
            session.Close(status);
            return;
        }

        _scheduler!.Add(session);
        if (loop is not null)
        {
            loop.Add(session);
        }
        else
        {
            _ = session.RunAsync(cancellationToken);
        }
    }

    private void RefuseUpload(IPEndPoint remote, string shown, string reason, TftpErrorCode code, string message)
    {
        Interlocked.Increment(ref Statistics._refusedWrite);
        Refuse(remote, shown, "upload " + reason, code, message);
    }

    private void OnUploadClosed(ServerSession session, TftpReceiveSession upload, TftpSessionStatus status)
    {
        Interlocked.Add(ref Statistics._retransmissions, upload.Retransmissions);
        var elapsed = Time.GetElapsedTime(session.StartTimestamp);
        long bytes = upload.BytesReceived;
        string outcome;
        if (upload.Stored)
        {
            Interlocked.Increment(ref Statistics._sessionsCompleted);
            Interlocked.Increment(ref Statistics._uploadsStored);
            Interlocked.Add(ref Statistics._bytesReceived, bytes);
            outcome = "uploaded";
            Log.UploadStored(_logger, session.ClientEndPoint, session.File, _uploads!.RealRoot + "/" + session.File, bytes, (long)elapsed.TotalMilliseconds, upload.Retransmissions);
        }
        else
        {
            Interlocked.Increment(ref Statistics._uploadsFailed);
            switch (status)
            {
                case TftpSessionStatus.AbortedByClient:
                    Interlocked.Increment(ref Statistics._sessionsAborted);
                    outcome = $"upload aborted by client (ERROR {(int)upload.ClientError})";
                    break;
                case TftpSessionStatus.TimedOut:
                    Interlocked.Increment(ref Statistics._sessionsTimedOut);
                    outcome = "upload timed out";
                    break;
                default:
                    Interlocked.Increment(ref Statistics._sessionsFailed);
                    outcome = "upload failed";
                    break;
            }

            Log.UploadEnded(_logger, session.ClientEndPoint, session.File, outcome, (long)elapsed.TotalMilliseconds, bytes, upload.FailureReason ?? "ended");
        }

        TransferFinished?.Invoke(new TftpTransferRecord(session.ClientEndPoint.Address, session.File, bytes, outcome, elapsed));
    }

    /// <summary>Resolves <c>tftp.uploadRoot</c> (checked again here: the server can be built without the config loader).</summary>
    private UploadDirectory OpenUploadRoot(string realReadRoot)
    {
        if (string.IsNullOrWhiteSpace(_options.UploadRoot))
        {
            throw new ListenerStartException("tftp.uploadRoot: required when tftp.allowUploads is true");
        }

        string configured = Path.GetFullPath(_options.UploadRoot);
        string realUpload = NativeFile.RealPath(configured) is { } u && Directory.Exists(u)
            ? u
            : throw new ListenerStartException($"tftp.uploadRoot '{configured}' is not a directory");
        static string AsDirectory(string p) => p.EndsWith('/') ? p : p + "/";
        if (realUpload == realReadRoot || realUpload.StartsWith(AsDirectory(realReadRoot), StringComparison.Ordinal) || realReadRoot.StartsWith(AsDirectory(realUpload), StringComparison.Ordinal))
        {
            throw new ListenerStartException($"tftp.uploadRoot '{realUpload}' must be a separate directory: not tftp.root ('{realReadRoot}'), inside it, or containing it");
        }

        var uploads = new UploadDirectory(realUpload, _options.UploadOverwrite);
        int stale = uploads.RemoveStaleTemporaryFiles();
        Log.UploadsEnabled(_logger, realUpload, _options.MaxUploadBytes, _options.UploadOverwrite, stale);
        return uploads;
    }

    private static MemoryFileContent ToNetAscii(ITftpFileContent content)
    {
        using (content)
        {
            var raw = DiskFileSource.ReadAll(content);
            var encoded = new byte[NetAscii.GetEncodedLength(raw)];
            NetAscii.TryEncode(raw, encoded, out _);
            return new MemoryFileContent(encoded);
        }
    }

    private void NotFound(IPEndPoint remote, string shown, string reason)
    {
        // Missing and forbidden look the same to the client: no existence oracle. The log tells which.
        Interlocked.Increment(ref Statistics._refusedNotFound);
        Refuse(remote, shown, reason, TftpErrorCode.FileNotFound, "File not found");
    }

    private void Refuse(IPEndPoint remote, string shown, string reason, TftpErrorCode code, string message)
    {
        if (_throttle.Allow(_logger))
        {
            Log.Refused(_logger, remote, shown, reason);
        }

        if (TftpPacket.TryWriteError(_reply, code, message, out int written))
        {
            try
            {
                _listener!.SendTo(_reply.AsSpan(0, written), SocketFlags.None, remote);
            }
            catch (SocketException)
            {
            }
        }
    }

    private bool TakeToken()
    {
        int rate = _options.RequestsPerSecond;
        if (rate <= 0)
        {
            return true;
        }

        long now = Time.GetTimestamp();
        _tokens = Math.Min(rate, _tokens + ((now - _lastRefill) * (double)rate / Time.TimestampFrequency));
        _lastRefill = now;
        if (_tokens < 1)
        {
            return false;
        }

        _tokens--;
        return true;
    }

    private int BlockCapFor(IPAddress local)
    {
        if (_interfaceMtu is int forced)
        {
            return forced - IpUdpTftpOverhead;
        }

        if (IPAddress.IsLoopback(local))
        {
            return LoopbackBlockCap;
        }

        return _mtuByAddress.TryGetValue(local, out int mtu) ? mtu - IpUdpTftpOverhead : int.MaxValue;
    }

    private void LoadMtus()
    {
        try
        {
            foreach (var nic in NetworkInterface.GetAllNetworkInterfaces())
            {
                int mtu;
                try
                {
                    mtu = nic.GetIPProperties().GetIPv4Properties()?.Mtu ?? 0;
                }
                catch (NetworkInformationException)
                {
                    continue;
                }

                if (mtu <= IpUdpTftpOverhead + TftpRequestOptions.MinBlockSize)
                {
                    continue;
                }

                if (nic.Name == _server.Interface)
                {
                    _interfaceMtu = mtu;
                }

                foreach (var address in nic.GetIPProperties().UnicastAddresses)
                {
                    if (address.Address.AddressFamily == AddressFamily.InterNetwork)
                    {
                        _mtuByAddress[address.Address] = mtu;
                    }
                }
            }
        }
        catch (NetworkInformationException)
        {
            // No MTU knowledge: blksize is capped by config only.
        }
    }

    private static string PrintableName(ReadOnlySpan<byte> name)
    {
        Span<char> chars = stackalloc char[Math.Min(name.Length, 200)];
        for (int i = 0; i < chars.Length; i++)
        {
            byte b = name[i];
            chars[i] = b is >= 0x20 and < 0x7f ? (char)b : '?';
        }

        return new string(chars);
    }
}
