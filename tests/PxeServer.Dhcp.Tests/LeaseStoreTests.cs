using Microsoft.Extensions.Logging.Abstractions;
using PxeServer.Dhcp.Leases;
using Xunit;

namespace PxeServer.Dhcp.Tests;

public sealed class LeaseStoreTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("pxe-leases-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Commit_ThenReopen_ReadsRowsBack()
    {
        string path = Path.Combine(_dir, "sub", "leases.db");
        using (var store = new SqliteLeaseStore(path))
        {
            store.Commit([new LeaseRecord(10, 1, LeaseState.Bound, 1000), new LeaseRecord(11, 2, LeaseState.Declined, 2000)]);
            store.Commit([new LeaseRecord(12, 1, LeaseState.Bound, 3000)]); // client 1 moves: its old row goes
        }

        using var again = new SqliteLeaseStore(path);
        var rows = again.LoadAll().OrderBy(r => r.Address).ToList();
        Assert.Equal([new LeaseRecord(11, 2, LeaseState.Declined, 2000), new LeaseRecord(12, 1, LeaseState.Bound, 3000)], rows);
    }

    [Fact]
    public void Store_UsesWal()
    {
        string path = Path.Combine(_dir, "leases.db");
        using var store = new SqliteLeaseStore(path);
        store.Commit([new LeaseRecord(10, 1, LeaseState.Bound, 1000)]);
        Assert.True(File.Exists(path + "-wal"));
    }

    [Fact]
    public async Task Committer_SendsRepliesOnlyAfterCommit()
    {
        string path = Path.Combine(_dir, "leases.db");
        using var store = new SqliteLeaseStore(path);
        var sender = new RecordingSender(path);
        await using (var committer = new LeaseCommitter(store, NullLogger.Instance))
        {
            for (uint i = 0; i < 500; i++)
            {
                committer.Enqueue(new LeaseRecord(100 + i, i + 1, LeaseState.Bound, 5000), [1, 2, 3], sender, 7, 68, false);
            }

            committer.Enqueue(new LeaseRecord(99, 9999, LeaseState.Released, 0), default, null, 0, 0, false);
        }

        Assert.Equal(500, sender.Sent);
        Assert.True(sender.AllDurable, "a reply left before its lease was in the database");
        using var check = new SqliteLeaseStore(path);
        Assert.Equal(501, check.LoadAll().Count);
    }

    private sealed class RecordingSender(string path) : IReplySender
    {
        public int Sent { get; private set; }

        public bool AllDurable { get; private set; } = true;

        public void Send(ReadOnlySpan<byte> reply, uint destination, int port, bool broadcast)
        {
            Sent++;
            if (Sent % 100 == 1)
            {
                // Read through a separate connection: the row for this reply must already be committed.
                using var other = new SqliteLeaseStore(path);
                AllDurable &= other.LoadAll().Count >= Sent;
            }
        }
    }
}
