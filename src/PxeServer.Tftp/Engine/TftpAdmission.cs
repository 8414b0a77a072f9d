namespace PxeServer.Tftp.Engine;

/// <summary>A transfer the admission can pace and promote (a read session).</summary>
internal interface ITftpPacedTransfer
{
    /// <summary>Set and read only by <see cref="TftpAdmission"/>, under its lock: the transfer holds a full-speed place.</summary>
    bool FullSpeed { get; set; }

    /// <summary>Set and read only by <see cref="TftpAdmission"/>, under its lock: the transfer has ended.</summary>
    bool Released { get; set; }

    /// <summary>Slows the transfer to one window per scheduler tick.</summary>
    void Pace();

    /// <summary>Back to full speed (called outside the admission lock).</summary>
    void Promote(long now);
}

/// <summary>
/// Arrival-order admission for boot storms: at most <c>limit</c> read transfers run at full speed; the rest
/// are paced (one window per scheduler tick, so their clients never time out) and promoted in arrival
/// order as full-speed ones end. When the machine or the link is the bottleneck, sharing it equally makes
/// every client finish at the very end; serving in arrival order lets half of them finish in about half
/// the time, while the last one finishes no later. A limit of 0 turns this off (everyone at full speed).
/// </summary>
internal sealed class TftpAdmission(int limit)
{
    private readonly Lock _gate = new();
    private readonly Queue<ITftpPacedTransfer> _waiting = new();
    private int _fullSpeed;

    /// <summary>Transfers at full speed now.</summary>
    public int FullSpeedCount { get { lock (_gate) { return _fullSpeed; } } }

    /// <summary>Transfers paced now (waiting for a full-speed place).</summary>
    public int PacedCount { get { lock (_gate) { return _waiting.Count(t => !t.Released); } } }

    /// <summary>Admits a new transfer: full speed while there is room, otherwise paced and queued. Returns true for full speed.</summary>
    public bool Admit(ITftpPacedTransfer transfer)
    {
        if (limit <= 0)
        {
            return true;
        }

        lock (_gate)
        {
            if (_fullSpeed < limit)
            {
                _fullSpeed++;
                transfer.FullSpeed = true;
                return true;
            }

            transfer.Pace();
            _waiting.Enqueue(transfer);
            return false;
        }
    }

    /// <summary>A transfer ended: its full-speed place, if it had one, goes to the longest-waiting paced transfer.</summary>
    public void Release(ITftpPacedTransfer transfer, long now)
    {
        if (limit <= 0)
        {
            return;
        }

        ITftpPacedTransfer? next = null;
        lock (_gate)
        {
            if (transfer.Released)
            {
                return;
            }

            transfer.Released = true;
            if (!transfer.FullSpeed)
            {
                return;
            }

            transfer.FullSpeed = false;
            _fullSpeed--;
            while (_waiting.TryDequeue(out var candidate))
            {
                if (!candidate.Released)
                {
                    candidate.FullSpeed = true;
                    _fullSpeed++;
                    next = candidate;
                    break;
                }
            }
        }

        // Outside the lock: promoting sends a window. Should the promoted transfer end meanwhile, its own
        // Release hands the place on again.
        next?.Promote(now);
    }
}
