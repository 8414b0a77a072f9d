using Xunit;

namespace PxeServer.Tftp.Tests;

/// <summary>Validation of the upload keys of the <c>tftp:</c> section.</summary>
public sealed class UploadOptionsTests : IDisposable
{
    private readonly string _base = Directory.CreateTempSubdirectory("pxe-upload-options-").FullName;

    public UploadOptionsTests()
    {
        Directory.CreateDirectory(Path.Combine(_base, "boot", "inner"));
        Directory.CreateDirectory(Path.Combine(_base, "uploads"));
        Directory.CreateSymbolicLink(Path.Combine(_base, "boot-alias"), Path.Combine(_base, "boot"));
    }

    public void Dispose() => Directory.Delete(_base, true);

    private List<string> Validate(string? uploadRoot, bool allow = true, long maxBytes = 1024)
    {
        var options = new TftpOptions { Root = Path.Combine(_base, "boot"), AllowUploads = allow, UploadRoot = uploadRoot, MaxUploadBytes = maxBytes };
        var errors = new List<string>();
        options.Validate(errors);
        return errors;
    }

    [Fact]
    public void Accepts_DefaultsAndASeparateDirectory()
    {
        var defaults = new TftpOptions();
        Assert.False(defaults.AllowUploads);
        Assert.False(defaults.UploadOverwrite);
        Assert.Equal(64L * 1024 * 1024, defaults.MaxUploadBytes);
        Assert.Empty(Validate(null, allow: false));
        Assert.Empty(Validate(Path.Combine(_base, "uploads")));
    }

    [Fact]
    public void Rejects_AllowUploadsWithoutUploadRoot() =>
        Assert.Equal(["tftp.uploadRoot: required when tftp.allowUploads is true (a directory separate from tftp.root)"], Validate(" "));

    [Fact]
    public void Rejects_MissingUploadRoot() =>
        Assert.Contains("is not an existing directory", Assert.Single(Validate(Path.Combine(_base, "nope"))), StringComparison.Ordinal);

    [Theory]
    [InlineData("boot")]
    [InlineData("boot/")]
    [InlineData("boot/inner")]
    [InlineData("boot-alias")]
    [InlineData("boot-alias/inner")]
    [InlineData("")]
    public void Rejects_UploadRootThatIsInsideOrContainsTheReadRoot(string relative)
    {
        string error = Assert.Single(Validate(Path.Combine(_base, relative)));
        Assert.StartsWith("tftp.uploadRoot: ", error, StringComparison.Ordinal);
        Assert.Contains("must be a separate directory", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Rejects_MaxUploadBytesBelowOne() =>
        Assert.Equal(["tftp.maxUploadBytes: 0 must be at least 1"], Validate(null, allow: false, maxBytes: 0));
}
