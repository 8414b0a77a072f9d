namespace PxeServer.Tftp;

/// <summary>Counters of the TFTP server since start (read with <see cref="Interlocked.Read(ref readonly long)"/> semantics; monotonic).</summary>
public sealed class TftpStatistics
{
    internal long _sessionsStarted;
    internal long _sessionsCompleted;
    internal long _sessionsAborted;
    internal long _sessionsTimedOut;
    internal long _sessionsFailed;
    internal long _refusedNotFound;
    internal long _refusedWrite;
    internal long _refusedBusy;
    internal long _refusedRateLimited;
    internal long _refusedOther;
    internal long _malformed;
    internal long _foreignTid;
    internal long _retransmissions;
    internal long _dataPackets;
    internal long _bytesSent;
    internal long _uploadsStarted;
    internal long _uploadsStored;
    internal long _uploadsFailed;
    internal long _bytesReceived;

    /// <summary>Transfers started.</summary>
    public long SessionsStarted => Interlocked.Read(ref _sessionsStarted);

    /// <summary>Transfers the client acknowledged completely.</summary>
    public long SessionsCompleted => Interlocked.Read(ref _sessionsCompleted);

    /// <summary>Transfers the client ended with ERROR (incl. OVMF's tsize probe).</summary>
    public long SessionsAborted => Interlocked.Read(ref _sessionsAborted);

    /// <summary>Transfers abandoned after the retry limit.</summary>
    public long SessionsTimedOut => Interlocked.Read(ref _sessionsTimedOut);

    /// <summary>Transfers ended by a read error or shutdown.</summary>
    public long SessionsFailed => Interlocked.Read(ref _sessionsFailed);

    /// <summary>Requests answered "File not found" (missing and forbidden alike).</summary>
    public long RefusedNotFound => Interlocked.Read(ref _refusedNotFound);

    /// <summary>Write requests refused before a transfer started (uploads off, forbidden name, existing file, too large).</summary>
    public long RefusedWrite => Interlocked.Read(ref _refusedWrite);

    /// <summary>Requests refused by MaxSessions / MaxSessionsPerClient.</summary>
    public long RefusedBusy => Interlocked.Read(ref _refusedBusy);

    /// <summary>Requests dropped by the request-rate limit.</summary>
    public long RefusedRateLimited => Interlocked.Read(ref _refusedRateLimited);

    /// <summary>Requests refused for another reason (mail mode, duplicate RRQ of a live session).</summary>
    public long RefusedOther => Interlocked.Read(ref _refusedOther);

    /// <summary>Malformed or unexpected datagrams on port 69.</summary>
    public long Malformed => Interlocked.Read(ref _malformed);

    /// <summary>Datagrams to a session port from a wrong TID (answered with ERROR 5).</summary>
    public long ForeignTid => Interlocked.Read(ref _foreignTid);

    /// <summary>Timeouts that retransmitted.</summary>
    public long Retransmissions => Interlocked.Read(ref _retransmissions);

    /// <summary>DATA packets sent.</summary>
    public long DataPackets => Interlocked.Read(ref _dataPackets);

    /// <summary>Payload bytes of completed transfers.</summary>
    public long BytesSent => Interlocked.Read(ref _bytesSent);

    /// <summary>Uploads (WRQ) accepted and started (also counted in <see cref="SessionsStarted"/>).</summary>
    public long UploadsStarted => Interlocked.Read(ref _uploadsStarted);

    /// <summary>Uploads stored under their final name.</summary>
    public long UploadsStored => Interlocked.Read(ref _uploadsStored);

    /// <summary>Uploads that ended without storing anything (client error, timeout, size limit, existing file, I/O error).</summary>
    public long UploadsFailed => Interlocked.Read(ref _uploadsFailed);

    /// <summary>Bytes of stored uploads.</summary>
    public long BytesReceived => Interlocked.Read(ref _bytesReceived);

    /// <summary>Sessions in progress.</summary>
    public int ActiveSessions { get; internal set; }
}

/// <summary>One finished transfer, for boot timelines and status.</summary>
/// <param name="Client">Client IP.</param>
/// <param name="File">Normalized file name.</param>
/// <param name="Bytes">Size of the file.</param>
/// <param name="Outcome">completed, aborted, timed-out or failed.</param>
/// <param name="Duration">From request to end.</param>
public sealed record TftpTransferRecord(System.Net.IPAddress Client, string File, long Bytes, string Outcome, TimeSpan Duration);
