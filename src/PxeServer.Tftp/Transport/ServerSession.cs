using System.Buffers;
using System.Net;
using System.Net.Sockets;
using PxeServer.Protocols.Tftp;
using PxeServer.Tftp.Engine;

namespace PxeServer.Tftp.Transport;

/// <summary>
/// A live transfer: the engine session plus its socket and buffers. One async receive loop per session
/// (no thread: the loop awaits the socket's cached receive operation, so steady state allocates nothing)
/// and the server's single scheduler tick for retransmissions.
/// </summary>
internal sealed class ServerSession : ITftpTickable, ITftpPacedTransfer
{
    private static readonly byte[] s_unknownTid = BuildError(TftpErrorCode.UnknownTransferId, "Unknown transfer ID");

    private readonly TftpServer _server;
    private readonly Socket _socket;
    private readonly ITftpFileContent? _content;
    private readonly TftpSendSession? _send;
    private readonly TftpReceiveSession? _receive;
    private readonly ITftpUploadTarget? _upload;
    private readonly SocketAddress _client;
    private readonly byte[] _clientSockaddr = new byte[NativeUdp.SockaddrInSize];
    private readonly byte[] _sendBuffer;
    private int _closed;

    public ServerSession(ulong id, TftpServer server, Socket socket, ITftpFileContent content, IPEndPoint client, string file, TftpTransferParameters parameters, long timestampFrequency, int maxRetries, long startTimestamp, bool native)
    {
        Id = id;
        NativeUdp.WriteSockaddr(client, _clientSockaddr);
        ClientKey = System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(_clientSockaddr);
        _server = server;
        _socket = socket;
        _content = content;
        _client = client.Serialize();
        ClientEndPoint = client;
        LocalEndPoint = (IPEndPoint)socket.LocalEndPoint!;
        File = file;
        StartTimestamp = startTimestamp;
        _sendBuffer = ArrayPool<byte>.Shared.Rent(Math.Max(parameters.BlockSize + TftpPacket.DataHeaderSize, 1024));
        Transport = new UdpSessionTransport(socket, _client, _clientSockaddr, native);
        _send = new TftpSendSession(Transport, content, parameters, _sendBuffer, timestampFrequency, maxRetries);
    }

    /// <summary>An upload (WRQ): the receive engine, writing into <paramref name="upload"/> (disposed on close).</summary>
    public ServerSession(ulong id, TftpServer server, Socket socket, ITftpUploadTarget upload, IPEndPoint client, string file, TftpTransferParameters parameters, long timestampFrequency, int maxRetries, long maxUploadBytes, long startTimestamp, bool native)
    {
        Id = id;
        NativeUdp.WriteSockaddr(client, _clientSockaddr);
        ClientKey = System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(_clientSockaddr);
        _server = server;
        _socket = socket;
        _upload = upload;
        _client = client.Serialize();
        ClientEndPoint = client;
        LocalEndPoint = (IPEndPoint)socket.LocalEndPoint!;
        File = file;
        StartTimestamp = startTimestamp;
        _sendBuffer = ArrayPool<byte>.Shared.Rent(1024);
        Transport = new UdpSessionTransport(socket, _client, _clientSockaddr, native);
        _receive = new TftpReceiveSession(Transport, upload, parameters, _sendBuffer, timestampFrequency, maxRetries, maxUploadBytes, RequestCommit);
    }

    public ulong Id { get; }

    /// <summary>The first 8 bytes of the client's sockaddr_in (family, port, address), for a one-compare TID check.</summary>
    public ulong ClientKey { get; }

    public System.Runtime.InteropServices.SafeHandle Handle => _socket.SafeHandle;

    public IPEndPoint ClientEndPoint { get; }

    public IPEndPoint LocalEndPoint { get; }

    /// <summary>The epoll loop serving this session, or null on the portable async path.</summary>
    public TftpIoLoop? Loop { get; init; }

    public string File { get; }

    public long StartTimestamp { get; }

    /// <summary>The read engine (read sessions only: an upload has <see cref="Upload"/> instead).</summary>
    public TftpSendSession Engine => _send ?? throw new InvalidOperationException("an upload session has no read engine");

    /// <summary>The write engine of an upload session, or null for a read.</summary>
    public TftpReceiveSession? Upload => _receive;

    /// <summary>The session's state, whichever the direction.</summary>
    public TftpSessionStatus Status => _send is not null ? _send.Status : _receive!.Status;

    public UdpSessionTransport Transport { get; }

    public long Length => _content is not null ? _content.Length : _receive!.BytesReceived;

    public bool IsClosed => Volatile.Read(ref _closed) != 0;

    /// <inheritdoc/>
    bool ITftpPacedTransfer.FullSpeed { get; set; }

    /// <inheritdoc/>
    bool ITftpPacedTransfer.Released { get; set; }

    /// <inheritdoc/>
    void ITftpPacedTransfer.Pace() => Engine.Pace();

    /// <inheritdoc/>
    void ITftpPacedTransfer.Promote(long now)
    {
        TftpSessionStatus status;
        try
        {
            status = Engine.Promote(now);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Called from another session's close, on an I/O or timer thread: fail this transfer, not the process.
            Fault(e);
            return;
        }

        if (status != TftpSessionStatus.Active)
        {
            Close(status);
        }
    }

    /// <summary>A datagram from the client's TID (called by the I/O loop).</summary>
    public void OnDatagram(ReadOnlySpan<byte> datagram)
    {
        TftpSessionStatus status;
        try
        {
            status = _send is not null ? _send.OnDatagram(datagram, _server.Time.GetTimestamp()) : _receive!.OnDatagram(datagram, _server.Time.GetTimestamp());
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Called on an I/O thread: an exception escaping here would end the process. One transfer fails instead.
            Fault(e);
            return;
        }

        if (status != TftpSessionStatus.Active)
        {
            Close(status);
        }
    }

    private void Fault(Exception e)
    {
        if (!IsClosed)
        {
            _server.OnSessionFault(this, e);
        }

        try
        {
            Close(TftpSessionStatus.Failed);
        }
        catch (Exception closing) when (closing is ObjectDisposedException or IOException or System.Net.Sockets.SocketException)
        {
        }
    }

    /// <summary>A datagram from a wrong TID (called by the I/O loop): RFC 1350 §4 ERROR 5, transfer undisturbed.</summary>
    public unsafe void OnForeignDatagram(ReadOnlySpan<byte> sockaddr)
    {
        _server.OnForeignTid(this, NativeUdp.ReadSockaddr(sockaddr).ToString());
        try
        {
            fixed (byte* data = s_unknownTid)
            fixed (byte* to = sockaddr)
            {
                NativeUdp.SendTo(_socket.SafeHandle, data, s_unknownTid.Length, 0, to, NativeUdp.SockaddrInSize);
            }
        }
        catch (ObjectDisposedException)
        {
        }
    }

    /// <summary>The portable path (no epoll): one async receive loop per session on .NET sockets.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        // A read receives only ACKs; an upload receives DATA of up to blksize + 4 bytes.
        byte[] receive = ArrayPool<byte>.Shared.Rent(_receive is null ? 2048 : 65536);
        var from = new SocketAddress(AddressFamily.InterNetwork);
        try
        {
            while (!IsClosed)
            {
                int received;
                try
                {
                    received = await _socket.ReceiveFromAsync(receive.AsMemory(), SocketFlags.None, from, cancellationToken);
                }
                catch (SocketException e) when (!IsClosed && e.SocketErrorCode is SocketError.MessageSize or SocketError.ConnectionReset or SocketError.ConnectionRefused)
                {
                    // Oversized datagram, or an ICMP error from an earlier send: not fatal to the transfer.
                    _server.OnSessionNoise(this, from, "oversized datagram or ICMP error");
                    continue;
                }

                if (!from.Equals(_client))
                {
                    // RFC 1350 §4: a wrong TID gets ERROR 5; the transfer goes on undisturbed.
                    _server.OnForeignTid(this, from.ToString());
                    try
                    {
                        _socket.SendTo(s_unknownTid, SocketFlags.None, from);
                    }
                    catch (SocketException)
                    {
                    }

                    continue;
                }

                var status = _send is not null ? _send.OnDatagram(receive.AsSpan(0, received), _server.Time.GetTimestamp()) : _receive!.OnDatagram(receive.AsSpan(0, received), _server.Time.GetTimestamp());
                if (status != TftpSessionStatus.Active)
                {
                    Close(status);
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException || (e is SocketException && IsClosed))
        {
            // Closed by completion, timeout or shutdown.
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(receive);
            Close(Status == TftpSessionStatus.Active ? TftpSessionStatus.Failed : Status);
        }
    }

    public bool OnTick(long now)
    {
        if (IsClosed)
        {
            return false;
        }

        TftpSessionStatus status;
        try
        {
            status = _send is not null ? _send.OnTick(now) : _receive!.OnTick(now);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Called from the timer: an exception escaping here would end the process. One transfer fails instead.
            Fault(e);
            return false;
        }

        if (status == TftpSessionStatus.Active)
        {
            return true;
        }

        Close(status);
        return false;
    }

    public void Close(TftpSessionStatus status)
    {
        if (Interlocked.Exchange(ref _closed, 1) != 0)
        {
            return;
        }

        // The engine no longer writes into the send buffer once its status is not Active.
        Loop?.Remove(this);
        _socket.Dispose();
        _content?.Dispose();
        _upload?.Dispose();
        ArrayPool<byte>.Shared.Return(_sendBuffer);
        _server.OnSessionClosed(this, status);
    }

    /// <summary>The upload's last block arrived: fsync and rename on the thread pool, never on the I/O loop serving other sessions.</summary>
    private void RequestCommit() => ThreadPool.UnsafeQueueUserWorkItem(static s => s.RunCommit(), this, preferLocal: false);

    private void RunCommit()
    {
        TftpSessionStatus status;
        try
        {
            status = _receive!.CompleteCommit(_server.Time.GetTimestamp());
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            Fault(e);
            return;
        }

        if (status != TftpSessionStatus.Active)
        {
            Close(status);
        }
    }

    /// <summary>Ends the transfer from outside (server shutdown), telling the client; a stored upload stays.</summary>
    public void Abort(string message)
    {
        if (_send is not null)
        {
            _send.Abort(message);
        }
        else
        {
            _receive!.Abort(message);
        }
    }

    private static byte[] BuildError(TftpErrorCode code, string message)
    {
        var buffer = new byte[64];
        TftpPacket.TryWriteError(buffer, code, message, out int written);
        return buffer[..written];
    }
}
