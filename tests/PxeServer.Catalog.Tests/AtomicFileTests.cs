using PxeServer.Catalog.Editing;
using Xunit;

namespace PxeServer.Catalog.Tests;

public sealed class AtomicFileTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("pxe-atomic-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    [Fact]
    public async Task WriteAllText_ReaderNeverSeesAHalfWrittenFile()
    {
        string path = Path.Combine(_dir, "hosts.yaml");
        string a = new('a', 256 * 1024), b = new('b', 256 * 1024);
        AtomicFile.WriteAllText(path, a);
        using var stop = new CancellationTokenSource();
        int reads = 0;
        var reader = Task.Run(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                string seen = File.ReadAllText(path);
                Assert.True(seen == a || seen == b, $"torn read: {seen.Length} chars");
                Interlocked.Increment(ref reads);
            }
        }, TestContext.Current.CancellationToken);

        // On a loaded machine the reader may start late: write only once it reads, and until it has read a while.
        Assert.True(SpinWait.SpinUntil(() => Volatile.Read(ref reads) > 0, TimeSpan.FromSeconds(30)), "the reader never ran");
        for (int i = 0; i < 60 || Volatile.Read(ref reads) < 20; i++)
        {
            AtomicFile.WriteAllText(path, i % 2 == 0 ? b : a);
        }

        stop.Cancel();
        await reader;
        Assert.True(reads > 0);
        Assert.Equal(["hosts.yaml"], Directory.EnumerateFiles(_dir).Select(Path.GetFileName));
    }

    [Fact]
    public void CopyWithSha256_FailedCopy_LeavesTargetAndNoTempFile()
    {
        string target = Path.Combine(_dir, "vmlinuz");
        File.WriteAllText(target, "old");
        Assert.ThrowsAny<IOException>(() => AtomicFile.CopyWithSha256(Path.Combine(_dir, "missing"), target));
        Assert.Equal("old", File.ReadAllText(target));
        Assert.Equal(["vmlinuz"], Directory.EnumerateFiles(_dir).Select(Path.GetFileName));
    }

    [Fact]
    public void CopyWithSha256_ReturnsTheSha256OfTheBytes()
    {
        string src = Path.Combine(_dir, "src");
        File.WriteAllText(src, "abc");
        Assert.Equal("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", AtomicFile.CopyWithSha256(src, Path.Combine(_dir, "sub", "dst")));
        Assert.Equal("abc", File.ReadAllText(Path.Combine(_dir, "sub", "dst")));
    }
}
