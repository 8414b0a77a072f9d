using System.Net;
using Microsoft.Extensions.Logging;

namespace PxeServer.Tftp;

/// <summary>TFTP log messages (event IDs 3000-3099). Bad client input is Debug, and throttled.</summary>
internal static partial class Log
{
    [LoggerMessage(3000, LogLevel.Information, "TFTP listening on {Endpoint}, root {Root}")]
    public static partial void Listening(ILogger logger, string endpoint, string root);

    [LoggerMessage(3001, LogLevel.Debug, "TFTP refused {Client} '{File}': {Reason}")]
    public static partial void Refused(ILogger logger, IPEndPoint client, string file, string reason);

    [LoggerMessage(3002, LogLevel.Debug, "TFTP dropped a datagram from {Client}: {Reason}")]
    public static partial void Dropped(ILogger logger, IPEndPoint? client, string reason);

    [LoggerMessage(3003, LogLevel.Debug, "TFTP {Client} '{File}' started: {Size} bytes, blksize {BlockSize}, windowsize {WindowSize}{Source}")]
    public static partial void SessionStarted(ILogger logger, IPEndPoint client, string file, long size, int blockSize, int windowSize, string source);

    [LoggerMessage(3004, LogLevel.Debug, "TFTP {Client} '{File}' {Status} after {Milliseconds} ms: {Blocks}/{TotalBlocks} blocks, {Retransmissions} retransmissions")]
    public static partial void SessionEnded(ILogger logger, IPEndPoint client, string file, string status, long milliseconds, long blocks, long totalBlocks, long retransmissions);

    [LoggerMessage(3005, LogLevel.Debug, "TFTP suppressed {Count} debug messages about bad input in the last second")]
    public static partial void Suppressed(ILogger logger, long count);

    [LoggerMessage(3006, LogLevel.Warning, "TFTP socket error on {Endpoint}: {Error}")]
    public static partial void SocketError(ILogger logger, string endpoint, string error);

    [LoggerMessage(3008, LogLevel.Warning, "TFTP request from {Client} failed")]
    public static partial void RequestFailed(ILogger logger, IPEndPoint client, Exception exception);

    [LoggerMessage(3009, LogLevel.Information, "TFTP uploads enabled into {Root} (at most {MaxBytes} bytes each, overwrite {Overwrite}); {Stale} stale temporary files removed")]
    public static partial void UploadsEnabled(ILogger logger, string root, long maxBytes, bool overwrite, int stale);

    [LoggerMessage(3010, LogLevel.Debug, "TFTP {Client} upload '{File}' started: {Size} bytes announced, blksize {BlockSize}, windowsize {WindowSize}")]
    public static partial void UploadStarted(ILogger logger, IPEndPoint client, string file, long size, int blockSize, int windowSize);

    [LoggerMessage(3011, LogLevel.Information, "TFTP {Client} upload '{File}' stored as {Path}: {Bytes} bytes in {Milliseconds} ms, {Retransmissions} retransmissions")]
    public static partial void UploadStored(ILogger logger, IPEndPoint client, string file, string path, long bytes, long milliseconds, long retransmissions);

    [LoggerMessage(3012, LogLevel.Debug, "TFTP {Client} upload '{File}' {Status} after {Milliseconds} ms and {Bytes} bytes ({Reason}); nothing stored")]
    public static partial void UploadEnded(ILogger logger, IPEndPoint client, string file, string status, long milliseconds, long bytes, string reason);
}

/// <summary>Lets at most a few Debug lines about bad input through per second, whatever the attack rate.</summary>
internal sealed class LogThrottle(TimeProvider time, int perSecond)
{
    private long _windowStart;
    private int _inWindow;
    private long _suppressed;

    /// <summary>True if this message may be logged; reports the suppressed count when a new second starts.</summary>
    public bool Allow(ILogger logger, LogLevel level = LogLevel.Debug)
    {
        if (!logger.IsEnabled(level))
        {
            return false;
        }

        long now = time.GetTimestamp();
        lock (this)
        {
            if (now - _windowStart >= time.TimestampFrequency)
            {
                _windowStart = now;
                _inWindow = 0;
                if (_suppressed > 0)
                {
                    Log.Suppressed(logger, _suppressed);
                    _suppressed = 0;
                }
            }

            if (_inWindow < perSecond)
            {
                _inWindow++;
                return true;
            }

            _suppressed++;
            return false;
        }
    }
}
