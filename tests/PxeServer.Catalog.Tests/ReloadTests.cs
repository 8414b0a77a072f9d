using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using PxeServer.Catalog.Hosting;
using PxeServer.Catalog.Planning;
using PxeServer.Protocols;
using Xunit;

namespace PxeServer.Catalog.Tests;

public sealed class ReloadTests : IDisposable
{
    private static readonly MacAddress s_mac = MacAddress.Parse("de:00:00:00:00:de");
    private readonly TempCatalog _cat = new();

    public ReloadTests()
    {
        _cat.WriteLoaders();
        _cat.AddProfile("one");
        _cat.AddProfile("two");
        _cat.WriteHosts("hosts:\n  - {mac: de:00:00:00:00:de, profile: one}\n");
    }

    public void Dispose() => _cat.Dispose();

    [Fact]
    public void TryReload_ValidEdit_GoesLive_OldSnapshotUnchanged()
    {
        var store = CatalogStore.Load(_cat.Dir);
        var planner = new BootPlanner(store);
        var held = store.Current; // e.g. a transfer in flight
        var first = planner.Decide(new BootRequest(s_mac));
        Assert.Equal("one", first.Profile);
        Assert.Same(first, planner.Decide(new BootRequest(s_mac))); // cached per snapshot
        _cat.WriteHosts("hosts:\n  - {mac: de:00:00:00:00:de, profile: two}\n");
        Assert.True(store.TryReload(out var errors), string.Join("\n", errors));
        Assert.Equal("two", planner.Decide(new BootRequest(s_mac)).Profile);
        Assert.Equal("one", held.FindHost(s_mac)!.Profile);
        Assert.NotSame(held, store.Current);
    }

    [Fact]
    public void TryReload_InvalidEdit_KeepsLastGood_AndNamesFileLineReason()
    {
        var store = CatalogStore.Load(_cat.Dir);
        var good = store.Current;
        _cat.WriteHosts("hosts:\n  - mac: de:00:00:00:00:de\n    profile: does-not-exist\n");
        Assert.False(store.TryReload(out var errors));
        var e = Assert.Single(errors);
        Assert.Equal("hosts.yaml:3: hosts[0].profile: no profile named 'does-not-exist' (profiles: one, two)", e.ToString());
        Assert.Same(good, store.Current);
        Assert.Equal("one", new BootPlanner(store).Decide(new BootRequest(s_mac)).Profile);
    }

    [Fact]
    public void Watcher_DebouncesAndReloads_OnFakeClock()
    {
        var time = new FakeTimeProvider();
        var store = CatalogStore.Load(_cat.Dir, time);
        using var watcher = new CatalogWatcher(store, null, time, TimeSpan.FromMilliseconds(300));
        _cat.WriteHosts("hosts:\n  - {mac: de:00:00:00:00:de, profile: two}\n");
        watcher.Poke();
        time.Advance(TimeSpan.FromMilliseconds(200));
        watcher.Poke(); // another change restarts the quiet period
        time.Advance(TimeSpan.FromMilliseconds(200));
        Assert.Equal(0, watcher.ReloadAttempts);
        Assert.Equal("one", store.Current.FindHost(s_mac)!.Profile);
        time.Advance(TimeSpan.FromMilliseconds(100));
        Assert.Equal(1, watcher.ReloadAttempts);
        Assert.Equal("two", store.Current.FindHost(s_mac)!.Profile);
    }

    [Fact]
    public void Watcher_BadEdit_LogsErrorAndKeepsLastGood()
    {
        var time = new FakeTimeProvider();
        var store = CatalogStore.Load(_cat.Dir, time);
        var log = new ListLogger();
        using var watcher = new CatalogWatcher(store, log, time);
        var good = store.Current;
        _cat.WriteFile("profiles/two.yaml", "name: two\nkernel:\n  path: files/two/vmlinuz\n  sha256: xyz\n");
        watcher.Poke();
        time.Advance(CatalogWatcher.DefaultDebounce);
        Assert.Same(good, store.Current);
        Assert.Contains(log.Lines, l => l.Level == LogLevel.Error && l.Text.Contains("profiles/two.yaml:4: kernel.sha256: must be 64 hex digits", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Watcher_RealFileSystemEdit_IsPickedUp()
    {
        var store = CatalogStore.Load(_cat.Dir);
        using var watcher = new CatalogWatcher(store, null, TimeProvider.System, TimeSpan.FromMilliseconds(50));
        await watcher.StartAsync(TestContext.Current.CancellationToken);
        try
        {
            _cat.WriteHosts("hosts:\n  - {mac: de:00:00:00:00:de, profile: two}\n");
            var deadline = DateTime.UtcNow.AddSeconds(10);
            while (store.Current.FindHost(s_mac)!.Profile != "two" && DateTime.UtcNow < deadline)
            {
                await Task.Delay(20, TestContext.Current.CancellationToken);
            }

            Assert.Equal("two", store.Current.FindHost(s_mac)!.Profile);
        }
        finally
        {
            await watcher.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public void PollOnce_ReloadsOnlyWhenAFileChanged()
    {
        var time = new FakeTimeProvider();
        var store = CatalogStore.Load(_cat.Dir, time);
        using var watcher = new CatalogWatcher(store, null, time);
        watcher.PollOnce(); // first poll records the fingerprint
        time.Advance(TimeSpan.FromSeconds(1));
        int before = watcher.ReloadAttempts;
        watcher.PollOnce();
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(before, watcher.ReloadAttempts);
        _cat.WriteHosts("hosts:\n  - {mac: de:00:00:00:00:de, profile: two}\n# longer file\n");
        watcher.PollOnce();
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal("two", store.Current.FindHost(s_mac)!.Profile);
    }

    private sealed class ListLogger : ILogger<CatalogWatcher>
    {
        public List<(LogLevel Level, string Text)> Lines { get; } = [];

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (Lines)
            {
                Lines.Add((logLevel, formatter(state, exception)));
            }
        }
    }
}
