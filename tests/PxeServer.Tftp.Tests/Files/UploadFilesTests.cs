using PxeServer.Tftp.Engine;
using PxeServer.Tftp.Files;
using Xunit;

namespace PxeServer.Tftp.Tests.Files;

/// <summary>The upload writer (temp file, fsync, atomic rename, netascii) and the upload root's confinement.</summary>
public sealed class UploadFilesTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("pxe-upload-files-").FullName;
    private readonly string _outside = Directory.CreateTempSubdirectory("pxe-upload-outside-").FullName;

    public void Dispose()
    {
        Directory.Delete(_root, true);
        Directory.Delete(_outside, true);
    }

    private string[] AllFiles() =>
        [.. Directory.EnumerateFiles(_root, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = FileAttributes.ReparsePoint }).Select(p => Path.GetRelativePath(_root, p)).Order(StringComparer.Ordinal)];

    [Fact]
    public void Writer_InvisibleUntilCommit_ThenStoredAndTempGone()
    {
        string final = Path.Combine(_root, "a.bin");
        using var writer = UploadWriter.Create(final, overwrite: false, netAscii: false);
        writer.Write([1, 2, 3]);
        writer.Write([4]);
        Assert.False(File.Exists(final));
        Assert.Single(AllFiles());
        Assert.StartsWith(".a.bin.", AllFiles()[0], StringComparison.Ordinal);
        Assert.EndsWith(UploadWriter.TempSuffix, AllFiles()[0], StringComparison.Ordinal);

        Assert.Equal(UploadCommitResult.Stored, writer.Commit(out _));

        Assert.Equal([1, 2, 3, 4], File.ReadAllBytes(final));
        Assert.Equal(["a.bin"], AllFiles());
        writer.Dispose(); // after a commit: keeps the file
        Assert.True(File.Exists(final));
    }

    [Fact]
    public void Writer_Discard_RemovesTheTempFile()
    {
        var writer = UploadWriter.Create(Path.Combine(_root, "b.bin"), false, false);
        writer.Write(new byte[100_000]);
        writer.Discard();
        writer.Discard();
        Assert.Empty(AllFiles());
        Assert.Throws<IOException>(() => writer.Write([1]));
    }

    [Fact]
    public void Writer_FinalNameAppearedMeanwhile_AlreadyExists_NothingReplaced()
    {
        string final = Path.Combine(_root, "race.bin");
        using var writer = UploadWriter.Create(final, overwrite: false, netAscii: false);
        writer.Write([9, 9]);
        File.WriteAllText(final, "first");

        Assert.Equal(UploadCommitResult.AlreadyExists, writer.Commit(out string detail));

        Assert.Contains("appeared", detail, StringComparison.Ordinal);
        Assert.Equal("first", File.ReadAllText(final));
        Assert.Equal(["race.bin"], AllFiles());
    }

    [Fact]
    public void Writer_Overwrite_ReplacesTheExistingFile()
    {
        string final = Path.Combine(_root, "c.bin");
        File.WriteAllText(final, "old");
        using var writer = UploadWriter.Create(final, overwrite: true, netAscii: false);
        writer.Write("new"u8);
        Assert.Equal("old", File.ReadAllText(final)); // untouched until the commit
        Assert.Equal(UploadCommitResult.Stored, writer.Commit(out _));
        Assert.Equal("new", File.ReadAllText(final));
        Assert.Equal(["c.bin"], AllFiles());
    }

    [Theory]
    [InlineData("a\r\nb\r\n", "a\nb\n")]
    [InlineData("bare\r\0cr", "bare\rcr")]
    [InlineData("x\ry", "x\ry")]
    [InlineData("end\r", "end\r")]
    [InlineData("\r\r\n", "\r\n")]
    [InlineData("", "")]
    public void NetAscii_DecodedOnWrite_AtEveryBlockSplit(string wire, string expected)
    {
        var bytes = System.Text.Encoding.ASCII.GetBytes(wire);
        for (int split = 0; split <= bytes.Length; split++)
        {
            string final = Path.Combine(_root, $"t{split}.txt");
            using var writer = UploadWriter.Create(final, false, netAscii: true);
            writer.Write(bytes.AsSpan(0, split));
            writer.Write(bytes.AsSpan(split));
            Assert.Equal(UploadCommitResult.Stored, writer.Commit(out _));
            Assert.Equal(expected, File.ReadAllText(final));
        }
    }

    [Fact]
    public void Directory_Creates_InRootAndExistingSubdirectory()
    {
        Directory.CreateDirectory(Path.Combine(_root, "logs"));
        var uploads = new UploadDirectory(_root, overwrite: false);
        Assert.Equal(UploadOpenResult.Created, uploads.TryCreate("top.bin", false, out var top, out _));
        Assert.Equal(UploadOpenResult.Created, uploads.TryCreate("logs/host.log", false, out var nested, out string detail));
        Assert.Equal(Path.Combine(_root, "logs/host.log"), detail);
        top!.Dispose();
        nested!.Dispose();
        Assert.Empty(AllFiles());
    }

    [Fact]
    public void Directory_RefusesWhatAReadWouldRefuse()
    {
        File.WriteAllText(Path.Combine(_outside, "target"), "outside");
        File.CreateSymbolicLink(Path.Combine(_root, "link"), Path.Combine(_outside, "target"));
        File.CreateSymbolicLink(Path.Combine(_root, "dangling"), Path.Combine(_outside, "nothing-here"));
        Directory.CreateSymbolicLink(Path.Combine(_root, "escape"), _outside);
        Directory.CreateDirectory(Path.Combine(_root, "dir"));
        File.WriteAllText(Path.Combine(_root, "file"), "x");
        var uploads = new UploadDirectory(_root, overwrite: true);

        Assert.Equal(UploadOpenResult.Forbidden, uploads.TryCreate("link", false, out _, out _));
        Assert.Equal(UploadOpenResult.Forbidden, uploads.TryCreate("dangling", false, out _, out _));
        Assert.Equal(UploadOpenResult.Forbidden, uploads.TryCreate("escape/new", false, out _, out string why));
        Assert.Contains("outside the upload root", why, StringComparison.Ordinal);
        Assert.Equal(UploadOpenResult.Forbidden, uploads.TryCreate("dir", false, out _, out _));
        Assert.Equal(UploadOpenResult.Forbidden, uploads.TryCreate("file/new", false, out _, out _));
        Assert.Equal(UploadOpenResult.Forbidden, uploads.TryCreate(".x.1234.tftp-upload", false, out _, out _));
        Assert.Equal(UploadOpenResult.MissingDirectory, uploads.TryCreate("no/such/dir/new", false, out _, out why));
        Assert.Contains("never create directories", why, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(_root, "no")));
        Assert.Equal("outside", File.ReadAllText(Path.Combine(_outside, "target")));
        Assert.Equal(["target"], Directory.GetFileSystemEntries(_outside).Select(Path.GetFileName));
    }

    [Fact]
    public void Directory_ExistingFile_IsExistsUnlessOverwriting()
    {
        File.WriteAllText(Path.Combine(_root, "there"), "x");
        Assert.Equal(UploadOpenResult.Exists, new UploadDirectory(_root, overwrite: false).TryCreate("there", false, out var none, out _));
        Assert.Null(none);
        Assert.Equal(UploadOpenResult.Created, new UploadDirectory(_root, overwrite: true).TryCreate("there", false, out var writer, out _));
        writer!.Dispose();
        Assert.Equal("x", File.ReadAllText(Path.Combine(_root, "there")));
    }

    [Fact]
    public void Directory_RemovesStaleTempFiles_OnlyInsideTheRoot()
    {
        Directory.CreateDirectory(Path.Combine(_root, "sub"));
        File.WriteAllText(Path.Combine(_root, ".a.0011.tftp-upload"), "stale");
        File.WriteAllText(Path.Combine(_root, "sub", ".b.0022.tftp-upload"), "stale");
        File.WriteAllText(Path.Combine(_root, "keep.tftp-upload"), "not ours: no leading dot");
        File.WriteAllText(Path.Combine(_outside, ".c.0033.tftp-upload"), "outside");
        Directory.CreateSymbolicLink(Path.Combine(_root, "escape"), _outside);

        Assert.Equal(2, new UploadDirectory(_root, false).RemoveStaleTemporaryFiles());

        Assert.Equal(["keep.tftp-upload"], AllFiles());
        Assert.True(File.Exists(Path.Combine(_outside, ".c.0033.tftp-upload")));
    }
}
