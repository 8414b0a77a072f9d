using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace PxeServer.Catalog.Hosting;

/// <summary>
/// Watches the catalog directory and reloads the <see cref="CatalogStore"/> once edits have settled (debounce).
/// A bad edit is logged with file, line and reason, and the last good catalog stays live.
/// </summary>
public sealed class CatalogWatcher : IHostedService, IDisposable
{
    /// <summary>Quiet time after the last change before reloading.</summary>
    public static readonly TimeSpan DefaultDebounce = TimeSpan.FromMilliseconds(300);

    private readonly CatalogStore _store;
    private readonly ILogger _logger;
    private readonly TimeSpan _debounce;
    private readonly ITimer _timer;
    private readonly Lock _reloadLock = new();
    private readonly TimeProvider _time;
    private FileSystemWatcher? _watcher;
    private ITimer? _poll;
    private long _fingerprint;

    /// <summary>Creates the watcher; nothing happens before <see cref="StartAsync"/>.</summary>
    public CatalogWatcher(CatalogStore store, ILogger<CatalogWatcher>? logger = null, TimeProvider? time = null, TimeSpan? debounce = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        _store = store;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _debounce = debounce ?? DefaultDebounce;
        _time = time ?? TimeProvider.System;
        _timer = _time.CreateTimer(_ => Reload(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>How often the catalog is polled when inotify is unavailable.</summary>
    public static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(2);

    /// <summary>Number of reload attempts (good or bad); for tests and status.</summary>
    public int ReloadAttempts { get; private set; }

    /// <inheritdoc/>
    public Task StartAsync(CancellationToken cancellationToken)
    {
        var s = _store.Current;
        Log.Loaded(_logger, s.Directory, s.Profiles.Count, s.Hosts.Count, s.Rules.Count);
        var w = new FileSystemWatcher(_store.Directory)
        {
            IncludeSubdirectories = true,
            NotifyFilter = NotifyFilters.FileName | NotifyFilters.DirectoryName | NotifyFilters.LastWrite | NotifyFilters.Size,
        };
        w.Changed += OnChanged;
        w.Created += OnChanged;
        w.Deleted += OnChanged;
        w.Renamed += OnChanged;
        w.Error += (_, e) =>
        {
            Log.WatcherError(_logger, e.GetException());
            Poke();
        };
        try
        {
            w.EnableRaisingEvents = true;
            _watcher = w;
        }
        catch (IOException e)
        {
            // E.g. the inotify instance limit (fs.inotify.max_user_instances) is reached: fall back to polling
            // rather than failing the daemon over a convenience.
            w.Dispose();
            Log.PollingInstead(_logger, PollInterval, e);
            _fingerprint = Fingerprint();
            _poll = _time.CreateTimer(_ => PollOnce(), null, PollInterval, PollInterval);
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    public Task StopAsync(CancellationToken cancellationToken)
    {
        if (_watcher is { } w)
        {
            w.EnableRaisingEvents = false;
        }

        _timer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        _poll?.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        return Task.CompletedTask;
    }

    /// <summary>One poll (fallback mode): reloads when any file's name, size or modification time changed.</summary>
    internal void PollOnce()
    {
        long now = Fingerprint();
        if (now != Interlocked.Exchange(ref _fingerprint, now))
        {
            Poke();
        }
    }

    private long Fingerprint()
    {
        var hash = new HashCode();
        try
        {
            foreach (var f in new DirectoryInfo(_store.Directory).EnumerateFiles("*", SearchOption.AllDirectories).OrderBy(f => f.FullName, StringComparer.Ordinal))
            {
                hash.Add(f.FullName, StringComparer.Ordinal);
                hash.Add(f.Length);
                hash.Add(f.LastWriteTimeUtc.Ticks);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            hash.Add(e.GetType());
        }

        return hash.ToHashCode();
    }

    /// <summary>Restarts the debounce timer, as a file change does.</summary>
    public void Poke() => _timer.Change(_debounce, Timeout.InfiniteTimeSpan);

    /// <inheritdoc/>
    public void Dispose()
    {
        _watcher?.Dispose();
        _poll?.Dispose();
        _timer.Dispose();
    }

    private void OnChanged(object sender, FileSystemEventArgs e)
    {
        // Our own atomic writes go through ".<name>.tmp-*" files; the rename that follows is what counts.
        if (Path.GetFileName(e.FullPath).StartsWith('.'))
        {
            return;
        }

        Log.ChangeSeen(_logger, e.FullPath);
        Poke();
    }

    private void Reload()
    {
        lock (_reloadLock)
        {
            ReloadAttempts++;
            try
            {
                if (_store.TryReload(out var errors))
                {
                    var s = _store.Current;
                    Log.Reloaded(_logger, s.Profiles.Count, s.Hosts.Count, s.Rules.Count);
                    return;
                }

                foreach (var error in errors)
                {
                    Log.ReloadRejected(_logger, error.ToString());
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                Log.ReloadFailed(_logger, e);
            }
        }
    }
}
