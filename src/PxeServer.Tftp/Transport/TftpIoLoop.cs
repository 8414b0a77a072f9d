using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.InteropServices;

namespace PxeServer.Tftp.Transport;

/// <summary>
/// One epoll thread serving many session sockets (no thread per session): it waits for readable
/// sockets, drains each with non-blocking recvfrom into one receive buffer, and runs the session's
/// engine right there, so an ACK turns into the next DATA without a thread hop or an allocation.
/// </summary>
internal sealed unsafe class TftpIoLoop : IDisposable
{
    private const int MaxEvents = 256;
    private const int ReceiveBufferSize = 65536;
    // One datagram per readiness event: the socket is level-triggered, so anything left is reported by the
    // next epoll_wait, and a lockstep transfer saves the recvfrom that would only return EAGAIN.
    private const int MaxDatagramsPerWake = 1;

    private readonly int _epoll;
    private readonly ConcurrentDictionary<ulong, ServerSession> _sessions = new();
    private readonly long _spinTicks;
    private readonly Thread _thread;
    private volatile bool _stopping;

    /// <param name="name">Thread name.</param>
    /// <param name="spin">How long to keep polling after a datagram before sleeping (<c>tftp.pollSpinMicroseconds</c>).</param>
    public TftpIoLoop(string name, TimeSpan spin)
    {
        _spinTicks = (long)(spin.TotalSeconds * Stopwatch.Frequency);
        _epoll = NativeUdp.EpollCreate1(0x80000); // EPOLL_CLOEXEC
        if (_epoll < 0)
        {
            throw new InvalidOperationException($"epoll_create1 failed: errno {Marshal.GetLastPInvokeError()}");
        }

        _thread = new Thread(Run) { IsBackground = true, Name = name };
        _thread.Start();
    }

    public int Count => _sessions.Count;

    public void Add(ServerSession session)
    {
        _sessions[session.Id] = session;
        byte* ev = stackalloc byte[16];
        *(uint*)ev = NativeUdp.EpollIn;
        *(ulong*)(ev + 4 + (NativeUdp.EpollEventSize - 12)) = session.Id;
        if (NativeUdp.EpollCtl(_epoll, NativeUdp.EpollCtlAdd, session.Handle, ev) != 0)
        {
            _sessions.TryRemove(session.Id, out _);
            throw new InvalidOperationException($"epoll_ctl failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    public void Remove(ServerSession session)
    {
        // Closing the descriptor also drops it from the epoll set; events already fetched for it find nothing here.
        _sessions.TryRemove(session.Id, out _);
    }

    public void Dispose()
    {
        _stopping = true;
        _thread.Join(TimeSpan.FromSeconds(2));
        NativeUdp.Close(_epoll);
    }

    private void Run()
    {
        byte* events = (byte*)NativeMemory.Alloc((nuint)(MaxEvents * NativeUdp.EpollEventSize));
        byte[] receive = GC.AllocateUninitializedArray<byte>(ReceiveBufferSize, pinned: true);
        byte* source = stackalloc byte[NativeUdp.SockaddrInSize];
        int stride = NativeUdp.EpollEventSize;
        int dataOffset = stride - 8;
        try
        {
            fixed (byte* rx = receive)
            {
                var spin = new AdaptiveSpin(_spinTicks);
                while (!_stopping)
                {
                    bool spinning = spin.ShouldPoll(Stopwatch.GetTimestamp());
                    int count = NativeUdp.EpollWait(_epoll, events, MaxEvents, spinning ? 0 : 100);
                    if (count <= 0)
                    {
                        continue;
                    }

                    spin.OnArrival(Stopwatch.GetTimestamp(), spinning);
                    for (int i = 0; i < count; i++)
                    {
                        ulong id = *(ulong*)(events + (i * stride) + dataOffset);
                        if (_sessions.TryGetValue(id, out var session))
                        {
                            Drain(session, rx, receive, source);
                        }
                    }

                    spin.OnBatchDone(Stopwatch.GetTimestamp());
                }
            }
        }
        finally
        {
            NativeMemory.Free(events);
        }
    }

    private static void Drain(ServerSession session, byte* rx, byte[] receive, byte* source)
    {
        for (int i = 0; i < MaxDatagramsPerWake && !session.IsClosed; i++)
        {
            int sourceLength = NativeUdp.SockaddrInSize;
            nint n;
            try
            {
                n = NativeUdp.RecvFrom(session.Handle, rx, ReceiveBufferSize, NativeUdp.MsgDontWait, source, &sourceLength);
            }
            catch (ObjectDisposedException)
            {
                return; // closed by the scheduler meanwhile
            }

            if (n < 0)
            {
                // EAGAIN: drained. Anything else (ICMP errors surfacing as ECONNREFUSED) is not fatal to the transfer.
                if (Marshal.GetLastPInvokeError() == NativeUdp.EAgain)
                {
                    return;
                }

                continue;
            }

            var from = new ReadOnlySpan<byte>(source, NativeUdp.SockaddrInSize);
            if (BinaryPrimitives.ReadUInt64LittleEndian(from) != session.ClientKey)
            {
                session.OnForeignDatagram(from);
                continue;
            }

            session.OnDatagram(receive.AsSpan(0, (int)n));
        }
    }
}

/// <summary>
/// When an I/O thread should poll instead of sleeping. After a batch it polls for up to the spin time, so the
/// next datagram of a fast (lockstep, loopback or LAN) client finds the thread awake instead of paying for a
/// wake-up. Spinning turns off when a datagram arrives later than the spin lasted, and back on when one
/// arrives within twice the spin although the thread slept (the gap then includes the wake-up itself):
/// slow clients and an idle server cost no CPU.
/// </summary>
internal struct AdaptiveSpin(long spinTicks)
{
    private long _lastBatch;
    private bool _enabled = spinTicks > 0;

    /// <summary>True to poll without sleeping now (timestamps in <see cref="Stopwatch"/> ticks).</summary>
    public readonly bool ShouldPoll(long now) => _enabled && now - _lastBatch < spinTicks;

    /// <summary>Datagrams arrived at <paramref name="now"/>; <paramref name="polled"/> if the thread was spinning.</summary>
    public void OnArrival(long now, bool polled)
    {
        if (spinTicks > 0)
        {
            _enabled = now - _lastBatch < (polled ? spinTicks : 2 * spinTicks);
        }
    }

    /// <summary>A batch was served; the spin window starts now.</summary>
    public void OnBatchDone(long now) => _lastBatch = now;
}
