using Microsoft.Data.Sqlite;

namespace PxeServer.Dhcp.Leases;

/// <summary>
/// Leases in SQLite (WAL, synchronous=FULL): a committed batch survives <c>kill -9</c> and power loss.
/// One connection, used by the single commit writer only.
/// </summary>
internal sealed class SqliteLeaseStore : IDisposable
{
    private readonly SqliteConnection _connection;
    private readonly SqliteCommand _upsert;
    private readonly SqliteCommand _deleteOthers;
    private readonly SqliteParameter _address;
    private readonly SqliteParameter _mac;
    private readonly SqliteParameter _state;
    private readonly SqliteParameter _expires;
    private readonly SqliteParameter _otherMac;
    private readonly SqliteParameter _otherAddress;

    public SqliteLeaseStore(string path)
    {
        Path = path;
        string? dir = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path));
        if (dir is not null)
        {
            Directory.CreateDirectory(dir);
        }

        _connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        _connection.Open();
        Execute("PRAGMA journal_mode=WAL;");
        Execute("PRAGMA synchronous=FULL;");
        Execute("CREATE TABLE IF NOT EXISTS leases (address INTEGER PRIMARY KEY, mac INTEGER NOT NULL, state INTEGER NOT NULL, expires INTEGER NOT NULL);");

        // Binding retires the client's other rows (below): without this index that is a table scan per ACK.
        Execute("CREATE INDEX IF NOT EXISTS leases_mac ON leases (mac);");

        _upsert = _connection.CreateCommand();
        _upsert.CommandText = "INSERT INTO leases (address, mac, state, expires) VALUES ($a, $m, $s, $e) " +
            "ON CONFLICT(address) DO UPDATE SET mac = excluded.mac, state = excluded.state, expires = excluded.expires;";
        _address = _upsert.Parameters.Add("$a", SqliteType.Integer);
        _mac = _upsert.Parameters.Add("$m", SqliteType.Integer);
        _state = _upsert.Parameters.Add("$s", SqliteType.Integer);
        _expires = _upsert.Parameters.Add("$e", SqliteType.Integer);

        // A client holds one binding: binding a new address retires its old row.
        _deleteOthers = _connection.CreateCommand();
        _deleteOthers.CommandText = "DELETE FROM leases WHERE mac = $m AND address <> $a AND state <> 4;";
        _otherMac = _deleteOthers.Parameters.Add("$m", SqliteType.Integer);
        _otherAddress = _deleteOthers.Parameters.Add("$a", SqliteType.Integer);
    }

    public string Path { get; }

    public List<LeaseRecord> LoadAll()
    {
        var list = new List<LeaseRecord>();
        using var cmd = _connection.CreateCommand();
        cmd.CommandText = "SELECT address, mac, state, expires FROM leases;";
        using var reader = cmd.ExecuteReader();
        while (reader.Read())
        {
            list.Add(new LeaseRecord((uint)reader.GetInt64(0), (ulong)reader.GetInt64(1), (LeaseState)reader.GetInt32(2), reader.GetInt64(3)));
        }

        return list;
    }

    /// <summary>Writes the batch in one transaction; returns when it is durable.</summary>
    public void Commit(ReadOnlySpan<LeaseRecord> batch)
    {
        using var tx = _connection.BeginTransaction();
        _upsert.Transaction = tx;
        _deleteOthers.Transaction = tx;
        foreach (var r in batch)
        {
            _address.Value = (long)r.Address;
            _mac.Value = (long)r.Mac;
            _state.Value = (int)r.State;
            _expires.Value = r.ExpiresUnixMs;
            _upsert.ExecuteNonQuery();
            if (r.State == LeaseState.Bound)
            {
                _otherMac.Value = (long)r.Mac;
                _otherAddress.Value = (long)r.Address;
                _deleteOthers.ExecuteNonQuery();
            }
        }

        tx.Commit();
    }

    public void Dispose()
    {
        _upsert.Dispose();
        _deleteOthers.Dispose();
        _connection.Dispose();
    }

    private void Execute(string sql)
    {
        using var cmd = _connection.CreateCommand();
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }
}
