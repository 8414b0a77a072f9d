using System.Buffers;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace PxeServer.Dhcp.Leases;

/// <summary>Sends a reply once its lease change is durable.</summary>
internal interface IReplySender
{
    void Send(ReadOnlySpan<byte> reply, uint destination, int port, bool broadcast);
}

/// <summary>A lease change and the reply that waits for it (rented buffer, returned after sending).</summary>
internal readonly record struct PendingCommit(LeaseRecord Change, byte[]? Buffer, int Length, IReplySender? Sender, uint Destination, int Port, bool Broadcast);

/// <summary>
/// Group commit: the receive path enqueues (never blocks), one writer drains whatever is queued, commits it in a
/// single SQLite transaction and only then sends the replies. Durability costs one fsync per batch, not per ACK.
/// The queue is bounded and drops new items when full: clients retransmit, so shedding load is correct.
/// </summary>
internal sealed class LeaseCommitter : IAsyncDisposable
{
    public const int Capacity = 8192;

    // A batch takes everything queued. With a cap below the queue's capacity a slow fsync capped throughput at
    // cap / fsync time (batches hit the 1,024 cap and single commits took up to 158 ms here with other work on the
    // disk: ~6,500 ACK/s) while the queue grew towards drops; one fsync covers any number of rows, so the only
    // bound is the queue itself.
    public const int MaxBatch = Capacity;

    private readonly SqliteLeaseStore _store;
    private readonly ILogger _logger;
    private readonly Channel<PendingCommit> _channel;
    private readonly Task _writer;
    private long _committed;
    private long _dropped;
    private long _batches;
    private long _maxCommitTicks;
    private int _maxBatch;

    public LeaseCommitter(SqliteLeaseStore store, ILogger logger)
    {
        _store = store;
        _logger = logger;
        _channel = Channel.CreateBounded<PendingCommit>(
            new BoundedChannelOptions(Capacity) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true },
            OnDropped);
        _writer = Task.Factory.StartNew(Run, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
    }

    public long Committed => Interlocked.Read(ref _committed);

    public long Dropped => Interlocked.Read(ref _dropped);

    public long Batches => Interlocked.Read(ref _batches);

    /// <summary>The longest single commit (transaction + fsync) so far: what an ACK can wait behind.</summary>
    public TimeSpan MaxCommitTime => System.Diagnostics.Stopwatch.GetElapsedTime(0, Interlocked.Read(ref _maxCommitTicks));

    /// <summary>The largest batch committed in one transaction so far.</summary>
    public int MaxBatchSize => Volatile.Read(ref _maxBatch);

    /// <summary>Queues a change (and its reply, copied into a rented buffer). Never blocks.</summary>
    public void Enqueue(LeaseRecord change, ReadOnlySpan<byte> reply, IReplySender? sender, uint destination, int port, bool broadcast)
    {
        byte[]? buffer = null;
        if (!reply.IsEmpty)
        {
            buffer = ArrayPool<byte>.Shared.Rent(reply.Length);
            reply.CopyTo(buffer);
        }

        if (!_channel.Writer.TryWrite(new PendingCommit(change, buffer, reply.Length, sender, destination, port, broadcast)))
        {
            OnDropped(new PendingCommit(change, buffer, reply.Length, sender, destination, port, broadcast));
        }
    }

    public async ValueTask DisposeAsync()
    {
        _channel.Writer.TryComplete();
        await _writer.ConfigureAwait(false);
    }

    private void OnDropped(PendingCommit item)
    {
        Interlocked.Increment(ref _dropped);
        if (item.Buffer is not null)
        {
            ArrayPool<byte>.Shared.Return(item.Buffer);
        }

        Log.CommitQueueFull(_logger, item.Change.State.ToString(), Protocols.MacAddress.FromValue(item.Change.Mac).ToString());
    }

    private void Run()
    {
        var reader = _channel.Reader;
        var batch = new PendingCommit[MaxBatch];
        var records = new LeaseRecord[MaxBatch];
        while (reader.WaitToReadAsync().AsTask().GetAwaiter().GetResult())
        {
            int n = 0;
            while (n < MaxBatch && reader.TryRead(out var item))
            {
                batch[n] = item;
                records[n] = item.Change;
                n++;
            }

            bool durable;
            try
            {
                long started = System.Diagnostics.Stopwatch.GetTimestamp();
                _store.Commit(records.AsSpan(0, n));
                long took = System.Diagnostics.Stopwatch.GetTimestamp() - started;
                durable = true;
                Interlocked.Add(ref _committed, n);
                Interlocked.Increment(ref _batches);

                // Only this thread writes these two.
                if (took > _maxCommitTicks)
                {
                    Interlocked.Exchange(ref _maxCommitTicks, took);
                }

                if (n > _maxBatch)
                {
                    Volatile.Write(ref _maxBatch, n);
                }
            }
            catch (Exception e)
            {
                durable = false;
                Log.CommitFailed(_logger, n, e);
            }

            for (int i = 0; i < n; i++)
            {
                ref var item = ref batch[i];
                if (item.Buffer is not null)
                {
                    if (durable && item.Sender is not null)
                    {
                        item.Sender.Send(item.Buffer.AsSpan(0, item.Length), item.Destination, item.Port, item.Broadcast);
                    }

                    ArrayPool<byte>.Shared.Return(item.Buffer);
                }

                item = default;
            }
        }
    }
}
