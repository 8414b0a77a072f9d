namespace PxeServer.Tftp;

/// <summary>The <c>tftp:</c> section.</summary>
public sealed class TftpOptions
{
    /// <summary>Configuration section name.</summary>
    public const string SectionName = "tftp";

    /// <summary>Serve TFTP at all.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>UDP port for read requests (RFC 1350: 69).</summary>
    public int Port { get; set; } = 69;

    /// <summary>Directory served; every path is confined to it.</summary>
    public string Root { get; set; } = "boot-images";

    /// <summary>Largest blksize granted (RFC 2348 allows 8..65464).</summary>
    public int MaxBlockSize { get; set; } = 65464;

    /// <summary>Largest windowsize granted (RFC 7440 allows 1..65535).</summary>
    public int MaxWindowSize { get; set; } = 64;

    /// <summary>Concurrent sessions across all clients.</summary>
    public int MaxSessions { get; set; } = 2000;

    /// <summary>
    /// Read transfers served at full speed at once; later ones are paced (one window per 100 ms tick, so their
    /// clients never time out) and promoted in arrival order as these finish. In a boot storm half the
    /// machines then get their files in about half the time instead of all at the very end. 0 = no limit.
    /// </summary>
    public int ActiveTransfers { get; set; } = 32;

    /// <summary>
    /// Send each window of DATA as one UDP generic-segmentation-offload write that the kernel cuts into
    /// datagrams (Linux 4.18+): about 3x less CPU at windowsize 64. Falls back by itself where a route
    /// refuses it; set false only if a NIC driver is suspected of mishandling UDP GSO.
    /// </summary>
    public bool UdpSegmentationOffload { get; set; } = true;

    /// <summary>
    /// After serving datagrams, the I/O thread keeps polling (without sleeping) this long for the next one
    /// before it blocks: a lockstep client's ACK then finds the thread awake instead of paying for a wake-up
    /// (on loopback here ~2.3x lockstep throughput). Adaptive: it stops spinning while datagrams arrive further
    /// apart than this (real networks, idle servers), so it costs CPU only where it pays. 0 = never spin.
    /// </summary>
    public int PollSpinMicroseconds { get; set; } = 50;

    /// <summary>Concurrent sessions from one client IP.</summary>
    public int MaxSessionsPerClient { get; set; } = 16;

    /// <summary>Retransmission timeout in seconds when the client asks for none (RFC 2349 allows 1..255).</summary>
    public int TimeoutSeconds { get; set; } = 1;

    /// <summary>Retransmissions of one block before the session is abandoned.</summary>
    public int MaxRetries { get; set; } = 5;

    /// <summary>New read requests accepted per second across all clients (token bucket, burst of one second); 0 = unlimited.</summary>
    public int RequestsPerSecond { get; set; } = 1000;

    /// <summary>Bytes of hot files kept in memory (one kernel read once for a whole boot storm); 0 disables the cache.</summary>
    public long CacheMaxBytes { get; set; } = 128L * 1024 * 1024;

    /// <summary>Largest single file cached; larger files are read block by block from the page cache.</summary>
    public long CacheMaxFileBytes { get; set; } = 64L * 1024 * 1024;

    /// <summary>Accept write requests (WRQ) into <see cref="UploadRoot"/>; off, every WRQ gets ERROR 2.</summary>
    public bool AllowUploads { get; set; }

    /// <summary>Directory uploads are written to: required with <see cref="AllowUploads"/>, must exist, and must be separate from <see cref="Root"/>.</summary>
    public string? UploadRoot { get; set; }

    /// <summary>Largest upload accepted; a larger announced tsize or a transfer that grows past it gets ERROR 3.</summary>
    public long MaxUploadBytes { get; set; } = 64L * 1024 * 1024;

    /// <summary>Replace an existing file (atomically) instead of refusing with ERROR 6.</summary>
    public bool UploadOverwrite { get; set; }

    /// <summary>Adds every problem to <paramref name="errors"/> as <c>key: message</c>.</summary>
    public void Validate(ICollection<string> errors)
    {
        if (Port is < 1 or > 65535)
        {
            errors.Add($"tftp.port: {Port} is not a port number (1..65535)");
        }

        if (string.IsNullOrWhiteSpace(Root))
        {
            errors.Add("tftp.root: must name a directory");
        }

        if (MaxBlockSize is < 8 or > 65464)
        {
            errors.Add($"tftp.maxBlockSize: {MaxBlockSize} is outside 8..65464 (RFC 2348)");
        }

        if (MaxWindowSize is < 1 or > 65535)
        {
            errors.Add($"tftp.maxWindowSize: {MaxWindowSize} is outside 1..65535 (RFC 7440)");
        }

        if (MaxSessions < 1)
        {
            errors.Add($"tftp.maxSessions: {MaxSessions} must be at least 1");
        }

        if (ActiveTransfers < 0)
        {
            errors.Add($"tftp.activeTransfers: {ActiveTransfers} must be 0 (no limit) or more");
        }

        if (PollSpinMicroseconds is < 0 or > 1000)
        {
            errors.Add($"tftp.pollSpinMicroseconds: {PollSpinMicroseconds} is outside 0..1000");
        }

        if (MaxSessionsPerClient < 1)
        {
            errors.Add($"tftp.maxSessionsPerClient: {MaxSessionsPerClient} must be at least 1");
        }

        if (TimeoutSeconds is < 1 or > 255)
        {
            errors.Add($"tftp.timeoutSeconds: {TimeoutSeconds} is outside 1..255 (RFC 2349)");
        }

        if (MaxRetries is < 0 or > 100)
        {
            errors.Add($"tftp.maxRetries: {MaxRetries} is outside 0..100");
        }

        if (RequestsPerSecond < 0)
        {
            errors.Add($"tftp.requestsPerSecond: {RequestsPerSecond} must be 0 (unlimited) or more");
        }

        if (CacheMaxBytes < 0 || CacheMaxFileBytes < 0)
        {
            errors.Add("tftp.cacheMaxBytes / tftp.cacheMaxFileBytes: must be 0 or more");
        }

        if (MaxUploadBytes < 1)
        {
            errors.Add($"tftp.maxUploadBytes: {MaxUploadBytes} must be at least 1");
        }

        if (AllowUploads)
        {
            ValidateUploadRoot(errors);
        }
    }

    private void ValidateUploadRoot(ICollection<string> errors)
    {
        if (string.IsNullOrWhiteSpace(UploadRoot))
        {
            errors.Add("tftp.uploadRoot: required when tftp.allowUploads is true (a directory separate from tftp.root)");
            return;
        }

        string upload = Path.TrimEndingDirectorySeparator(Path.GetFullPath(UploadRoot));
        if (!Directory.Exists(upload))
        {
            errors.Add($"tftp.uploadRoot: '{upload}' is not an existing directory (it is not created for you)");
            return;
        }

        if (string.IsNullOrWhiteSpace(Root))
        {
            return;
        }

        // Compare real paths, so a symlink cannot make the read root and the upload root the same tree.
        string read = Path.TrimEndingDirectorySeparator(Path.GetFullPath(Root));
        string realUpload = Files.NativeFile.RealPath(upload) ?? upload;
        string realRead = Files.NativeFile.RealPath(read) ?? read;
        if (realUpload == realRead || IsInside(realUpload, realRead) || IsInside(realRead, realUpload))
        {
            errors.Add($"tftp.uploadRoot: '{upload}' must be a separate directory: not tftp.root ('{read}'), inside it, or containing it");
        }
    }

    private static bool IsInside(string path, string directory) =>
        path.StartsWith(directory.EndsWith('/') ? directory : directory + "/", StringComparison.Ordinal);
}
