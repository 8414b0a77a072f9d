using System.Buffers.Binary;
using PxeServer.Protocols.Tftp;

namespace PxeServer.Tftp.Engine;

/// <summary>How storing a finished upload went.</summary>
internal enum UploadCommitResult
{
    /// <summary>Synced and renamed to its final name.</summary>
    Stored,

    /// <summary>The final name appeared meanwhile and overwriting is off: nothing replaced.</summary>
    AlreadyExists,

    /// <summary>An I/O error (the partial file is removed).</summary>
    Failed,
}

/// <summary>Where an upload's bytes go: a temporary file renamed into place on commit, or a fake in tests.</summary>
internal interface ITftpUploadTarget : IDisposable
{
    /// <summary>Appends the payload of the next in-order block. Throws <see cref="IOException"/> on a write error.</summary>
    void Write(ReadOnlySpan<byte> data);

    /// <summary>Makes the upload durable and visible under its final name; on anything but Stored the partial file is gone.</summary>
    UploadCommitResult Commit(out string detail);

    /// <summary>Removes the partial file (idempotent; nothing happens after a successful commit).</summary>
    void Discard();
}

/// <summary>
/// One write transfer (WRQ), socket-free: the mirror of <see cref="TftpSendSession"/>. It reacts to DATA
/// from the client and to clock ticks, and writes ACK/OACK/ERROR through <see cref="ITftpSessionTransport"/>.
/// <para>
/// Blocks are counted with a 64-bit index; the wire carries it modulo 2^16, so block numbers roll over from
/// 65535 to 0. A DATA block is matched by <c>(ushort)(block - received)</c>: 1 is the next block, written
/// exactly once; anything else (a duplicate, a stale block, or a block after a gap) is never written and is
/// answered by an ACK of the last in-order block, at most once per window of such blocks so a duplicating
/// network cannot multiply ACKs (RFC 1123 §4.2.3.1). With a window (RFC 7440 §4) the receiver ACKs at each
/// window end and at the last block; after a gap the ACK of the last in-order block makes the sender restart.
/// </para>
/// <para>
/// The last block (shorter than blksize) commits the file (fsync, then an atomic rename), and only then is it
/// acknowledged. The session then dallies for one timeout re-acknowledging a retransmitted last block, as
/// RFC 1350 §6 recommends, without writing anything again. Any failure removes the partial file.
/// </para>
/// Thread-safe: the receive loop and the scheduler's tick may call in concurrently.
/// </summary>
internal sealed class TftpReceiveSession
{
    private readonly Lock _gate = new();
    private readonly ITftpSessionTransport _transport;
    private readonly ITftpUploadTarget _target;
    private readonly TftpTransferParameters _parameters;
    private readonly byte[] _buffer;
    private readonly long _timeoutTicks;
    private readonly int _maxRetries;
    private readonly long _maxBytes;
    private readonly Action? _commitRequested;
    private long _received;
    private long _lastAcked;
    private long _bytes;
    private int _retries;
    private int _unexpected;
    private long _deadline;
    private bool _dallying;
    private bool _committing;

    /// <param name="transport">Where datagrams go.</param>
    /// <param name="target">Where the file goes; disposed by the owner, not the session.</param>
    /// <param name="parameters">Negotiated sizes (tsize is the client's announced size).</param>
    /// <param name="buffer">Send buffer for ACK/OACK/ERROR (at least 128 bytes).</param>
    /// <param name="timestampFrequency">Ticks per second of the timestamps passed in.</param>
    /// <param name="maxRetries">Retransmissions of one ACK before giving up.</param>
    /// <param name="maxBytes">Largest upload accepted (bytes on the wire); more ends with ERROR 3.</param>
    /// <param name="commitRequested">
    /// When given, the last block does not commit inline: this is called (under the session's lock: only queue work)
    /// and the owner calls <see cref="CompleteCommit"/> elsewhere, so an fsync never stalls the thread that serves
    /// other sessions' datagrams. Null commits inline (tests, simple hosts).
    /// </param>
    public TftpReceiveSession(ITftpSessionTransport transport, ITftpUploadTarget target, TftpTransferParameters parameters, byte[] buffer, long timestampFrequency, int maxRetries, long maxBytes, Action? commitRequested = null)
    {
        if (buffer.Length < 128)
        {
            throw new ArgumentException("send buffer smaller than 128 bytes", nameof(buffer));
        }

        _transport = transport;
        _target = target;
        _parameters = parameters;
        _buffer = buffer;
        _timeoutTicks = parameters.TimeoutSeconds * timestampFrequency;
        _maxRetries = maxRetries;
        _maxBytes = maxBytes;
        _commitRequested = commitRequested;
    }

    /// <summary>Current state. A stored upload stays Active while it dallies, then becomes Completed.</summary>
    public TftpSessionStatus Status { get; private set; } = TftpSessionStatus.Active;

    /// <summary>True once the file is stored under its final name (the session may still be dallying).</summary>
    public bool Stored { get; private set; }

    /// <summary>When the next retransmission (or the end of the dally) is due (timestamp units).</summary>
    public long Deadline { get { lock (_gate) { return _deadline; } } }

    /// <summary>Blocks received in order and written.</summary>
    public long BlocksReceived { get { lock (_gate) { return _received; } } }

    /// <summary>Payload bytes received in order (as on the wire, before netascii conversion).</summary>
    public long BytesReceived { get { lock (_gate) { return _bytes; } } }

    /// <summary>DATA blocks not written: duplicates, stale blocks, blocks after a gap.</summary>
    public long UnexpectedBlocks { get; private set; }

    /// <summary>ACK and OACK datagrams sent, retransmissions included.</summary>
    public long AcksSent { get; private set; }

    /// <summary>Timeouts that caused a retransmission of the last ACK or the OACK.</summary>
    public long Retransmissions { get; private set; }

    /// <summary>Negotiated parameters.</summary>
    public TftpTransferParameters Parameters => _parameters;

    /// <summary>The error the client sent, when <see cref="Status"/> is <see cref="TftpSessionStatus.AbortedByClient"/>.</summary>
    public TftpErrorCode ClientError { get; private set; }

    /// <summary>Why the session failed (for the log), or null.</summary>
    public string? FailureReason { get; private set; }

    /// <summary>Sends the OACK, or ACK 0 when no option was accepted (RFC 1350 §4, RFC 2347); ERROR 3 for an announced tsize over the limit.</summary>
    public TftpSessionStatus Start(long now)
    {
        lock (_gate)
        {
            if (_parameters.Oack.TransferSize > _maxBytes)
            {
                // RFC 2349: the client told us the size; refuse before a byte is written.
                Fail(TftpErrorCode.DiskFull, "Disk full or allocation exceeded", $"announced tsize {_parameters.Oack.TransferSize} exceeds tftp.maxUploadBytes ({_maxBytes} bytes)");
                return Status;
            }

            if (_parameters.SendOack)
            {
                SendOack();
            }
            else
            {
                SendAck(0);
            }

            _deadline = now + _timeoutTicks;
            return Status;
        }
    }

    /// <summary>Handles one datagram from the client's TID. Anything but DATA and ERROR is ignored.</summary>
    public TftpSessionStatus OnDatagram(ReadOnlySpan<byte> datagram, long now)
    {
        lock (_gate)
        {
            if (Status != TftpSessionStatus.Active)
            {
                return Status;
            }

            if (TftpPacket.TryReadData(datagram, out ushort block, out var payload))
            {
                OnData(block, payload, now);
            }
            else if (datagram.Length >= TftpPacket.DataHeaderSize && BinaryPrimitives.ReadUInt16BigEndian(datagram) == (ushort)TftpOpcode.Error)
            {
                if (Stored)
                {
                    // The file is already in place; a late ERROR cannot take it back.
                    Status = TftpSessionStatus.Completed;
                    return Status;
                }

                if (_committing)
                {
                    // Every block has arrived and the commit is running: it decides.
                    return Status;
                }

                ClientError = (TftpErrorCode)BinaryPrimitives.ReadUInt16BigEndian(datagram[2..]);
                _target.Discard();
                FailureReason = $"client sent ERROR {(int)ClientError}";
                Status = TftpSessionStatus.AbortedByClient;
            }

            return Status;
        }
    }

    /// <summary>Called by the scheduler: re-sends the last ACK (or the OACK) when the deadline passed, gives up, or ends the dally.</summary>
    public TftpSessionStatus OnTick(long now)
    {
        lock (_gate)
        {
            if (Status != TftpSessionStatus.Active || now < _deadline || _committing)
            {
                // While the commit runs nothing is retransmitted: the ACK of the last block follows the commit.
                return Status;
            }

            if (_dallying)
            {
                Status = TftpSessionStatus.Completed;
                return Status;
            }

            if (_retries >= _maxRetries)
            {
                SendError(TftpErrorCode.NotDefined, "Timeout");
                _target.Discard();
                FailureReason = $"no DATA after {_retries} retransmissions";
                Status = TftpSessionStatus.TimedOut;
                return Status;
            }

            _retries++;
            Retransmissions++;
            if (_received == 0 && _parameters.SendOack)
            {
                SendOack();
            }
            else
            {
                SendAck(_received);
            }

            _deadline = now + _timeoutTicks;
            return Status;
        }
    }

    /// <summary>Ends the session from outside (server shutdown), telling the client; a stored file stays.</summary>
    public void Abort(string message)
    {
        lock (_gate)
        {
            if (Status != TftpSessionStatus.Active)
            {
                return;
            }

            if (Stored || _committing)
            {
                // Stored, or being stored right now: the commit decides, and a stored file stays.
                if (Stored)
                {
                    Status = TftpSessionStatus.Completed;
                }

                return;
            }

            SendError(TftpErrorCode.NotDefined, message);
            _target.Discard();
            FailureReason = message;
            Status = TftpSessionStatus.Failed;
        }
    }

    private void OnData(ushort block, ReadOnlySpan<byte> payload, long now)
    {
        var expected = (ushort)(_received + 1);
        if (_committing)
        {
            // The last block is being committed; a retransmission of it gets the ACK once the commit is done.
            UnexpectedBlocks++;
            return;
        }

        if (_dallying)
        {
            // RFC 1350 §6: our final ACK was lost and the client resent its last block; ACK again, write nothing.
            if (block == (ushort)_received)
            {
                UnexpectedBlocks++;
                SendAck(_received);
            }

            return;
        }

        if (block != expected)
        {
            // A duplicate (our ACK was lost), a stale block, or a block after a gap: never written. One ACK of the
            // last in-order block per window of such blocks, so the sender restarts right after it (RFC 7440 §4).
            UnexpectedBlocks++;
            _unexpected++;
            if ((_unexpected - 1) % _parameters.WindowSize == 0)
            {
                SendAck(_received);
            }

            return;
        }

        if (payload.Length > _parameters.BlockSize)
        {
            Fail(TftpErrorCode.IllegalOperation, "Block larger than blksize", $"DATA {block} carries {payload.Length} bytes, blksize is {_parameters.BlockSize}");
            return;
        }

        if (_bytes + payload.Length > _maxBytes)
        {
            Fail(TftpErrorCode.DiskFull, "Disk full or allocation exceeded", $"upload exceeds tftp.maxUploadBytes ({_maxBytes} bytes)");
            return;
        }

        try
        {
            _target.Write(payload);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Fail(IsDiskFull(e) ? TftpErrorCode.DiskFull : TftpErrorCode.NotDefined, IsDiskFull(e) ? "Disk full or allocation exceeded" : "Write error", "write failed: " + e.Message);
            return;
        }

        _received++;
        _bytes += payload.Length;
        _retries = 0;
        _unexpected = 0;
        _deadline = now + _timeoutTicks;
        if (payload.Length < _parameters.BlockSize)
        {
            if (_commitRequested is not null)
            {
                _committing = true;
                _commitRequested();
                return;
            }

            Finish(now);
            return;
        }

        if (_received - _lastAcked >= _parameters.WindowSize)
        {
            SendAck(_received);
        }
    }

    /// <summary>Runs a commit requested through the constructor's callback (on any thread): stores the file, then ACKs or sends ERROR.</summary>
    public TftpSessionStatus CompleteCommit(long now)
    {
        lock (_gate)
        {
            if (!_committing || Status != TftpSessionStatus.Active)
            {
                _committing = false;
                return Status;
            }
        }

        // Outside the lock, so a datagram for this session arriving meanwhile is handled (ignored) at once
        // instead of blocking its I/O thread for the length of an fsync. Nothing else touches the target
        // while _committing is set.
        var result = _target.Commit(out string detail);
        lock (_gate)
        {
            _committing = false;
            Apply(result, detail, now);
            return Status;
        }
    }

    private void Finish(long now)
    {
        var result = _target.Commit(out string detail);
        Apply(result, detail, now);
    }

    private void Apply(UploadCommitResult result, string detail, long now)
    {
        switch (result)
        {
            case UploadCommitResult.Stored:
                // Acknowledge only what is durable under its final name.
                Stored = true;
                SendAck(_received);
                _dallying = true;
                _deadline = now + _timeoutTicks;
                break;
            case UploadCommitResult.AlreadyExists:
                Fail(TftpErrorCode.FileAlreadyExists, "File already exists", detail);
                break;
            default:
                Fail(TftpErrorCode.NotDefined, "Write error", detail);
                break;
        }
    }

    private void Fail(TftpErrorCode code, string message, string reason)
    {
        SendError(code, message);
        _target.Discard();
        FailureReason = reason;
        Status = TftpSessionStatus.Failed;
    }

    private static bool IsDiskFull(Exception e) =>
        e is IOException && (e.HResult == 28 || (e.HResult & 0xFFFF) == 0x70 || e.Message.Contains("space", StringComparison.OrdinalIgnoreCase));

    private void SendAck(long index)
    {
        if (TftpPacket.TryWriteAck(_buffer, (ushort)index, out int written))
        {
            _transport.Send(_buffer.AsSpan(0, written));
            AcksSent++;
        }

        _lastAcked = index;
    }

    private void SendOack()
    {
        if (TftpPacket.TryWriteOack(_buffer, _parameters.Oack, out int written))
        {
            _transport.Send(_buffer.AsSpan(0, written));
            AcksSent++;
        }
    }

    private void SendError(TftpErrorCode code, string message)
    {
        if (TftpPacket.TryWriteError(_buffer, code, message, out int written))
        {
            _transport.Send(_buffer.AsSpan(0, written));
        }
    }
}
