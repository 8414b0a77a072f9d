namespace PxeServer.Tftp.Engine;

/// <summary>Something with a deadline the scheduler checks on every tick.</summary>
internal interface ITftpTickable
{
    /// <summary>Called on every tick with the current timestamp; returns false once the item is finished and can be dropped.</summary>
    bool OnTick(long now);
}

/// <summary>
/// The one timer source for every session (Kestrel's heartbeat): a single periodic <see cref="ITimer"/>
/// from the injected <see cref="TimeProvider"/> scans all sessions; no timer per session. Retransmission
/// timeouts are whole seconds (RFC 2349), so a 100 ms tick is precise enough and scanning a few thousand
/// sessions costs microseconds.
/// </summary>
internal sealed class TftpSessionScheduler : IDisposable
{
    private readonly Lock _gate = new();
    private readonly TimeProvider _time;
    private readonly List<ITftpTickable> _items = [];
    private ITftpTickable[] _snapshot = [];
    private ITimer? _timer;
    private int _ticking;

    public TftpSessionScheduler(TimeProvider time, TimeSpan period)
    {
        _time = time;
        _timer = time.CreateTimer(static s => ((TftpSessionScheduler)s!).Tick(), this, period, period);
    }

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _items.Count;
            }
        }
    }

    public void Add(ITftpTickable item)
    {
        lock (_gate)
        {
            _items.Add(item);
            _snapshot = [.. _items];
        }
    }

    public void Remove(ITftpTickable item)
    {
        lock (_gate)
        {
            if (_items.Remove(item))
            {
                _snapshot = [.. _items];
            }
        }
    }

    /// <summary>Runs one scan now (the timer calls this; tests may too).</summary>
    public void Tick()
    {
        // A slow tick must not overlap the next one.
        if (Interlocked.Exchange(ref _ticking, 1) == 1)
        {
            return;
        }

        try
        {
            long now = _time.GetTimestamp();
            foreach (var item in Volatile.Read(ref _snapshot))
            {
                if (!item.OnTick(now))
                {
                    Remove(item);
                }
            }
        }
        finally
        {
            Volatile.Write(ref _ticking, 0);
        }
    }

    public void Dispose()
    {
        _timer?.Dispose();
        _timer = null;
    }
}
