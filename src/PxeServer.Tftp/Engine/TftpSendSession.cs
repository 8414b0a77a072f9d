using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using PxeServer.Protocols.Tftp;

namespace PxeServer.Tftp.Engine;

/// <summary>How a session stands after an event.</summary>
internal enum TftpSessionStatus
{
    /// <summary>Still transferring.</summary>
    Active,

    /// <summary>The client acknowledged the last block.</summary>
    Completed,

    /// <summary>The client sent ERROR (OVMF's tsize probe ends this way, with code 8).</summary>
    AbortedByClient,

    /// <summary>Retries exhausted; ERROR 0 sent.</summary>
    TimedOut,

    /// <summary>The file could not be read (changed or I/O error); ERROR 0 sent.</summary>
    Failed,
}

/// <summary>
/// One read transfer, socket-free: it reacts to datagrams from the client and to clock ticks, and
/// writes DATA/OACK/ERROR through <see cref="ITftpSessionTransport"/> from one send buffer it is given.
/// <para>
/// Blocks are counted with a 64-bit index (block 1 = index 1); the wire carries the index modulo 2^16,
/// so block numbers roll over from 65535 to 0 as tftpd-hpa and iPXE expect. An ACK is matched by
/// <c>(ushort)(ack - lastAcked)</c>: 0 is a duplicate, anything past the highest block sent is stale;
/// neither sends anything, so duplicated ACKs never multiply DATA (no Sorcerer's Apprentice, RFC 1123 §4.2.3.1).
/// A valid ACK inside a window moves the window to start right after it (RFC 7440 §4).
/// </para>
/// Thread-safe: the receive loop and the scheduler's tick may call in concurrently.
/// </summary>
internal sealed class TftpSendSession
{
    private const int MaxWindowBufferBytes = 1 << 20;
    private readonly Lock _gate = new();
    private readonly ITftpSessionTransport _transport;
    private readonly ITftpFileContent _content;
    private readonly TftpTransferParameters _parameters;
    private readonly byte[] _buffer;
    private readonly long _timeoutTicks;
    private readonly int _maxRetries;
    private readonly long _totalBlocks;
    private bool _awaitingOackAck;
    private long _acked;
    private long _highestSent;
    private int _retries;
    private long _deadline;
    private bool _paced;
    private byte[]? _windowBuffer;
    private byte[]? _aheadBuffer;
    private long _aheadFirst;
    private bool _windowDue;

    /// <param name="transport">Where datagrams go.</param>
    /// <param name="content">The file; disposed by the owner, not the session.</param>
    /// <param name="parameters">Negotiated sizes.</param>
    /// <param name="buffer">Send buffer of at least <c>blksize + 4</c> bytes (and room for the OACK/ERROR).</param>
    /// <param name="timestampFrequency">Ticks per second of the timestamps passed in.</param>
    /// <param name="maxRetries">Retransmissions of one window before giving up.</param>
    public TftpSendSession(ITftpSessionTransport transport, ITftpFileContent content, TftpTransferParameters parameters, byte[] buffer, long timestampFrequency, int maxRetries)
    {
        if (buffer.Length < parameters.BlockSize + TftpPacket.DataHeaderSize || buffer.Length < 128)
        {
            throw new ArgumentException("send buffer smaller than blksize + 4", nameof(buffer));
        }

        _transport = transport;
        _content = content;
        _parameters = parameters;
        _buffer = buffer;
        _timeoutTicks = parameters.TimeoutSeconds * timestampFrequency;
        _maxRetries = maxRetries;
        _totalBlocks = (content.Length / parameters.BlockSize) + 1;
    }

    /// <summary>Current state.</summary>
    public TftpSessionStatus Status { get; private set; } = TftpSessionStatus.Active;

    /// <summary>When the next retransmission is due (timestamp units).</summary>
    public long Deadline { get { lock (_gate) { return _deadline; } } }

    /// <summary>DATA packets sent, retransmissions included.</summary>
    public long DataPacketsSent { get; private set; }

    /// <summary>Timeouts that caused a retransmission.</summary>
    public long Retransmissions { get; private set; }

    /// <summary>Windows sent from bytes read ahead while the client was busy with the previous one.</summary>
    public long WindowsReadAhead { get; private set; }

    /// <summary>ACKs ignored as duplicate or stale.</summary>
    public long IgnoredAcks { get; private set; }

    /// <summary>Blocks in the file (the last one is shorter than blksize, possibly empty).</summary>
    public long TotalBlocks => _totalBlocks;

    /// <summary>Blocks acknowledged so far.</summary>
    public long AcknowledgedBlocks { get { lock (_gate) { return _acked; } } }

    /// <summary>Negotiated parameters.</summary>
    public TftpTransferParameters Parameters => _parameters;

    /// <summary>The error the client sent, when <see cref="Status"/> is <see cref="TftpSessionStatus.AbortedByClient"/>.</summary>
    public TftpErrorCode ClientError { get; private set; }

    /// <summary>True while the session is paced (see <see cref="Pace"/>).</summary>
    public bool IsPaced { get { lock (_gate) { return _paced; } } }

    /// <summary>
    /// Paces the session: an ACK no longer sends the next window at once; the scheduler's next tick does.
    /// The server paces transfers beyond <c>tftp.activeTransfers</c> so the ones at full speed finish
    /// first, while the paced clients still get a window every tick and never time out.
    /// </summary>
    public void Pace()
    {
        lock (_gate)
        {
            _paced = true;
            ReleaseReadAhead(); // a paced window waits for the tick anyway: reading ahead saves it nothing
        }
    }

    /// <summary>Back to full speed; sends a window that was waiting for the tick.</summary>
    public TftpSessionStatus Promote(long now)
    {
        lock (_gate)
        {
            _paced = false;
            if (_windowDue && Status == TftpSessionStatus.Active)
            {
                _windowDue = false;
                SendWindow(now);
            }

            return Status;
        }
    }

    /// <summary>Sends the OACK, or DATA 1 when no option was accepted.</summary>
    public TftpSessionStatus Start(long now)
    {
        lock (_gate)
        {
            if (_parameters.SendOack)
            {
                _awaitingOackAck = true;
                SendOack();
                _deadline = now + _timeoutTicks;
                return Status;
            }

            SendWindow(now);
            return Status;
        }
    }

    /// <summary>Handles one datagram from the client's TID. Anything but ACK and ERROR is ignored.</summary>
    public TftpSessionStatus OnDatagram(ReadOnlySpan<byte> datagram, long now)
    {
        lock (_gate)
        {
            if (Status != TftpSessionStatus.Active)
            {
                return Status;
            }

            if (TftpPacket.TryReadAck(datagram, out ushort ack))
            {
                OnAck(ack, now);
            }
            else if (datagram.Length >= TftpPacket.DataHeaderSize && BinaryPrimitives.ReadUInt16BigEndian(datagram) == (ushort)TftpOpcode.Error)
            {
                // Any ERROR ends the session, even one with a missing NUL: the client has given up.
                ClientError = (TftpErrorCode)BinaryPrimitives.ReadUInt16BigEndian(datagram[2..]);
                Finish(TftpSessionStatus.AbortedByClient);
            }

            return Status;
        }
    }

    /// <summary>Called by the scheduler: retransmits the OACK or the window when the deadline passed, or gives up.</summary>
    public TftpSessionStatus OnTick(long now)
    {
        lock (_gate)
        {
            if (Status != TftpSessionStatus.Active)
            {
                return Status;
            }

            if (_windowDue)
            {
                // Paced: the client acknowledged since the last tick; its next window goes now.
                _windowDue = false;
                SendWindow(now);
                return Status;
            }

            if (now < _deadline)
            {
                return Status;
            }

            if (_retries >= _maxRetries)
            {
                SendError(TftpErrorCode.NotDefined, "Timeout");
                Finish(TftpSessionStatus.TimedOut);
                return Status;
            }

            _retries++;
            Retransmissions++;
            if (_awaitingOackAck)
            {
                SendOack();
                _deadline = now + _timeoutTicks;
            }
            else
            {
                SendWindow(now);
            }

            return Status;
        }
    }

    /// <summary>Ends the session from outside (server shutdown), telling the client.</summary>
    public void Abort(string message)
    {
        lock (_gate)
        {
            if (Status == TftpSessionStatus.Active)
            {
                SendError(TftpErrorCode.NotDefined, message);
                Finish(TftpSessionStatus.Failed);
            }
        }
    }

    private void OnAck(ushort ack, long now)
    {
        if (_awaitingOackAck)
        {
            // RFC 2347: the client acknowledges the OACK with ACK 0.
            if (ack != 0)
            {
                IgnoredAcks++;
                return;
            }

            _awaitingOackAck = false;
            _retries = 0;
            SendOrDefer(now);
            return;
        }

        long delta = (ushort)(ack - (ushort)_acked);
        if (delta == 0 || delta > _highestSent - _acked)
        {
            IgnoredAcks++;
            return;
        }

        _acked += delta;
        _retries = 0;
        if (_acked == _totalBlocks)
        {
            Finish(TftpSessionStatus.Completed);
            return;
        }

        SendOrDefer(now);
    }

    private void SendOrDefer(long now)
    {
        if (_paced)
        {
            _windowDue = true;
            _deadline = now + _timeoutTicks;
            return;
        }

        SendWindow(now);
    }

    /// <summary>Sends blocks lastAcked+1 .. lastAcked+windowsize (RFC 7440: the window restarts after the last ACK).</summary>
    private void SendWindow(long now)
    {
        long first = _acked + 1;
        long last = Math.Min(_acked + _parameters.WindowSize, _totalBlocks);
        if (!SendBlocks(first, last))
        {
            return;
        }

        if (last > _highestSent)
        {
            _highestSent = last;
        }

        _deadline = now + _timeoutTicks;
    }

    /// <summary>
    /// Queues blocks <paramref name="first"/>..<paramref name="last"/> and flushes them as one batch. Content in
    /// memory is sent from where it lies; a file is read with one positional read per window (as many whole
    /// blocks as the window buffer holds), not one per block.
    /// </summary>
    private unsafe bool SendBlocks(long first, long last)
    {
        int blockSize = _parameters.BlockSize;
        long length = _content.Length;
        if (_content is MemoryFileContent memory && MemoryMarshal.TryGetArray(memory.Content, out var segment))
        {
            fixed (byte* array = segment.Array)
            {
                byte* data = array + segment.Offset;
                for (long index = first; index <= last; index++)
                {
                    long offset = (index - 1) * blockSize;
                    _transport.QueueData((ushort)index, data + offset, (int)Math.Min(blockSize, length - offset));
                    DataPacketsSent++;
                }

                _transport.Flush();
            }

            return true;
        }

        if (_aheadBuffer is not null && _aheadFirst == first && WindowEnd(first) == last)
        {
            // The window read ahead after the previous one went out: send it without touching the file.
            (_windowBuffer, _aheadBuffer) = (_aheadBuffer, _windowBuffer);
            _aheadFirst = 0;
            WindowsReadAhead++;
            SendFromBuffer(_windowBuffer, first, last);
            ReadAhead(last);
            return true;
        }

        byte[] buffer = last > first ? WindowBuffer() : _buffer;
        long perRead = Math.Max(1, buffer.Length / blockSize);
        for (long chunk = first; chunk <= last; chunk += perRead)
        {
            long chunkLast = Math.Min(last, chunk + perRead - 1);
            long offset = (chunk - 1) * blockSize;
            int expected = (int)(Math.Min(chunkLast * blockSize, length) - offset);
            int read;
            try
            {
                read = _content.Read(offset, buffer.AsSpan(0, expected));
            }
            catch (IOException)
            {
                read = -1;
            }

            if (read != expected)
            {
                // The file shrank or failed under us: better an error than a silently short file.
                _transport.Flush();
                SendError(TftpErrorCode.NotDefined, "Read error");
                Finish(TftpSessionStatus.Failed);
                return false;
            }

            SendFromBuffer(buffer, chunk, chunkLast);
        }

        if (last > first)
        {
            ReadAhead(last);
        }

        return true;
    }

    /// <summary>The last block of a full window that starts at <paramref name="first"/>.</summary>
    private long WindowEnd(long first) => Math.Min(first + _parameters.WindowSize - 1, _totalBlocks);

    /// <summary>Queues and flushes blocks <paramref name="first"/>..<paramref name="last"/> held from the start of <paramref name="buffer"/>.</summary>
    private unsafe void SendFromBuffer(byte[] buffer, long first, long last)
    {
        int blockSize = _parameters.BlockSize;
        int bytes = (int)(Math.Min(last * blockSize, _content.Length) - ((first - 1) * blockSize));
        fixed (byte* data = buffer)
        {
            for (long index = first; index <= last; index++)
            {
                int at = (int)((index - first) * blockSize);
                _transport.QueueData((ushort)index, data + at, Math.Min(blockSize, bytes - at));
                DataPacketsSent++;
            }

            _transport.Flush();
        }
    }

    /// <summary>
    /// After a window of a file went out, reads the next one while the client receives this one (over
    /// loopback at blksize 65464 that read was a quarter of the time per window). Only at full speed and
    /// only for windows that fit one buffer, so at most <c>tftp.activeTransfers</c> sessions hold a
    /// second buffer. A short or failed read is dropped: the send path reads again and reports it.
    /// </summary>
    private void ReadAhead(long last)
    {
        if (_aheadFirst == last + 1)
        {
            return; // a retransmitted window: what follows it is already read
        }

        _aheadFirst = 0;
        if (_paced || last >= _totalBlocks)
        {
            return;
        }

        int blockSize = _parameters.BlockSize;
        long first = last + 1;
        long offset = (first - 1) * blockSize;
        long bytes = Math.Min(WindowEnd(first) * blockSize, _content.Length) - offset;
        if ((long)blockSize * _parameters.WindowSize > MaxWindowBufferBytes)
        {
            return;
        }

        _aheadBuffer ??= ArrayPool<byte>.Shared.Rent(WindowBuffer().Length);
        int read;
        try
        {
            read = _content.Read(offset, _aheadBuffer.AsSpan(0, (int)bytes));
        }
        catch (IOException)
        {
            return;
        }

        if (read == bytes)
        {
            _aheadFirst = first;
        }
    }

    private void ReleaseReadAhead()
    {
        _aheadFirst = 0;
        if (_aheadBuffer is { } ahead)
        {
            _aheadBuffer = null;
            ArrayPool<byte>.Shared.Return(ahead);
        }
    }

    /// <summary>The buffer a window of file blocks is read into: up to 1 MiB, rented on the first window, returned when the session ends.</summary>
    private byte[] WindowBuffer()
    {
        if (_windowBuffer is null)
        {
            long wanted = Math.Min((long)_parameters.BlockSize * _parameters.WindowSize, MaxWindowBufferBytes);
            _windowBuffer = ArrayPool<byte>.Shared.Rent((int)Math.Max(wanted, _parameters.BlockSize));
        }

        return _windowBuffer;
    }

    private void Finish(TftpSessionStatus status)
    {
        Status = status;
        ReleaseReadAhead();
        if (_windowBuffer is { } buffer)
        {
            _windowBuffer = null;
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private void SendOack()
    {
        if (TftpPacket.TryWriteOack(_buffer, _parameters.Oack, out int written))
        {
            _transport.Send(_buffer.AsSpan(0, written));
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
