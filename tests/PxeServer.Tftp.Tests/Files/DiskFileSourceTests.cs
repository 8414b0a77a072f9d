using PxeServer.Tftp.Engine;
using PxeServer.Tftp.Files;
using Xunit;

namespace PxeServer.Tftp.Tests.Files;

public sealed class DiskFileSourceTests : IDisposable
{
    private readonly string _base = Directory.CreateTempSubdirectory("pxe-disk-").FullName;
    private readonly string _root;

    public DiskFileSourceTests()
    {
        _root = Path.Combine(_base, "root");
        Directory.CreateDirectory(_root);
        File.WriteAllText(Path.Combine(_base, "secret"), "outside");
    }

    public void Dispose() => Directory.Delete(_base, true);

    private DiskFileSource Source(long cacheMax = 1 << 20, long fileMax = 1 << 20) => new(NativeFile.RealPath(_root)!, cacheMax, fileMax);

    private static byte[] ReadAll(ITftpFileContent content)
    {
        var bytes = new byte[content.Length];
        Assert.Equal(bytes.Length, content.Read(0, bytes));
        return bytes;
    }

    [Fact]
    public void HotFile_IsReadOnce_AndReloadedWhenChanged()
    {
        string path = Path.Combine(_root, "vmlinuz");
        File.WriteAllBytes(path, [1, 2, 3]);
        var source = Source();
        for (int i = 0; i < 200; i++)
        {
            Assert.Equal(FileLookupResult.Found, source.TryOpen("vmlinuz", out var content, out _));
            Assert.Equal([1, 2, 3], ReadAll(content!));
        }

        Assert.Equal(1, source.CacheLoads);
        Assert.Equal(199, source.CacheHits);
        File.WriteAllBytes(path, [4, 5, 6, 7]);
        Assert.Equal(FileLookupResult.Found, source.TryOpen("vmlinuz", out var changed, out _));
        Assert.Equal([4, 5, 6, 7], ReadAll(changed!));
        Assert.Equal(2, source.CacheLoads);
    }

    [Fact]
    public void LargeFile_IsReadFromDisk_NotCached()
    {
        File.WriteAllBytes(Path.Combine(_root, "big"), new byte[5000]);
        var source = Source(fileMax: 1000);
        Assert.Equal(FileLookupResult.Found, source.TryOpen("big", out var content, out _));
        using (content)
        {
            Assert.IsType<DiskFileContent>(content);
            Assert.Equal(5000, content!.Length);
        }

        Assert.Equal(0, source.CachedBytes);
    }

    [Fact]
    public void CacheBudget_EvictsLeastRecentlyUsed()
    {
        File.WriteAllBytes(Path.Combine(_root, "a"), new byte[600]);
        File.WriteAllBytes(Path.Combine(_root, "b"), new byte[600]);
        var source = Source(cacheMax: 1000, fileMax: 1000);
        source.TryOpen("a", out _, out _);
        source.TryOpen("b", out _, out _);
        Assert.Equal(600, source.CachedBytes);
    }

    [Fact]
    public void SymlinkEscape_IsForbidden_ButInsideLinkIsFine()
    {
        File.CreateSymbolicLink(Path.Combine(_root, "escape"), Path.Combine(_base, "secret"));
        Directory.CreateSymbolicLink(Path.Combine(_root, "updir"), _base);
        File.WriteAllText(Path.Combine(_root, "real.cfg"), "x");
        File.CreateSymbolicLink(Path.Combine(_root, "alias.cfg"), "real.cfg");
        var source = Source();
        Assert.Equal(FileLookupResult.Forbidden, source.TryOpen("escape", out _, out _));
        Assert.Equal(FileLookupResult.Forbidden, source.TryOpen("updir/secret", out _, out _));
        Assert.Equal(FileLookupResult.Found, source.TryOpen("alias.cfg", out _, out _));
        Assert.Equal(FileLookupResult.NotFound, source.TryOpen("missing", out _, out _));
    }

    [Fact]
    public void DirectoriesAndFifos_AreForbidden()
    {
        Directory.CreateDirectory(Path.Combine(_root, "dir"));
        var mkfifo = PxeServer.Testing.Prerequisites.FindTool("mkfifo");
        var source = Source();
        Assert.Equal(FileLookupResult.Forbidden, source.TryOpen("dir", out _, out _));
        if (mkfifo is not null)
        {
            System.Diagnostics.Process.Start(mkfifo, Path.Combine(_root, "pipe"))!.WaitForExit();
            Assert.Equal(FileLookupResult.Forbidden, source.TryOpen("pipe", out _, out _));
        }
    }
}
