using System.Diagnostics;
using PxeServer.Catalog.Editing;
using PxeServer.Testing;
using Xunit;

namespace PxeServer.Catalog.Tests;

/// <summary>scripts/install-loaders.sh against the real Debian packages (ipxe, pxelinux, syslinux-common, syslinux-efi).</summary>
public sealed class InstallLoadersTests
{
    [Fact]
    public async Task InstallLoaders_CopiesEveryLoader_AndVerifyUsesItsSums()
    {
        string bash = Prerequisites.RequireTool("bash");
        Prerequisites.RequireTool("sha256sum", "coreutils");
        foreach (var (file, package) in new[]
        {
            ("/usr/lib/ipxe/undionly.kpxe", "ipxe"), ("/usr/lib/PXELINUX/pxelinux.0", "pxelinux"),
            ("/usr/lib/syslinux/modules/bios/ldlinux.c32", "syslinux-common"), ("/usr/lib/SYSLINUX.EFI/efi64/syslinux.efi", "syslinux-efi"),
        })
        {
            Prerequisites.Require(File.Exists(file), $"{file} (Debian package {package})");
        }

        using var cat = new TempCatalog();
        cat.AddProfile("p");
        string script = Path.Combine(TempCatalog.FindRepoRoot(), "scripts", "install-loaders.sh");
        var psi = new ProcessStartInfo(bash, [script, cat.Dir]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(psi)!;
        string stderr = await process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken);
        Assert.True(process.ExitCode == 0, stderr);

        var sums = File.ReadAllLines(Path.Combine(cat.Dir, "loaders", "SHA256SUMS"));
        Assert.Equal(TempCatalog.AllLoaders.Order(StringComparer.Ordinal), sums.Select(l => l[66..]).Order(StringComparer.Ordinal));
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(cat.Dir, "loaders"), ".*"));

        var editor = new CatalogEditor(cat.Dir);
        var (files, problems) = editor.Verify(null);
        Assert.Empty(problems);
        Assert.Contains(files, f => f.Path == "loaders/syslinux.efi" && f.Status == "ok");

        string kpxe = Path.Combine(cat.Dir, "loaders", "undionly.kpxe");
        var bytes = await File.ReadAllBytesAsync(kpxe, TestContext.Current.CancellationToken);
        bytes[100] ^= 0xff;
        await File.WriteAllBytesAsync(kpxe, bytes, TestContext.Current.CancellationToken);
        var p = Assert.Single(editor.Verify(null).Problems);
        Assert.Equal(("loaders/undionly.kpxe", "mismatch"), (p.Path, p.Problem));
    }
}
