using System.Security.Cryptography;
using System.Text;

namespace PxeServer.Catalog.Tests;

/// <summary>A catalog directory under /tmp with small fake files; deleted on Dispose.</summary>
internal sealed class TempCatalog : IDisposable
{
    public static readonly string[] AllLoaders =
        ["undionly.kpxe", "ipxe.efi", "snponly.efi", "pxelinux.0", "ldlinux.c32", "syslinux.efi", "ldlinux.e64"];

    public TempCatalog()
    {
        Dir = Path.Combine(Path.GetTempPath(), "pxe-catalog-test-" + Guid.NewGuid().ToString("N")[..10]);
        Directory.CreateDirectory(Path.Combine(Dir, "profiles"));
    }

    public string Dir { get; }

    /// <summary>Writes a file with the given text and returns its sha256.</summary>
    public string WriteFile(string rel, string content)
    {
        string full = Path.Combine(Dir, rel);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        File.WriteAllText(full, content);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(content)));
    }

    public void WriteLoaders(params string[] names)
    {
        foreach (var n in names.Length == 0 ? AllLoaders : names)
        {
            WriteFile("loaders/" + n, "fake loader " + n);
        }
    }

    /// <summary>A profile whose kernel/initrd exist with correct sha256.</summary>
    public void AddProfile(string name, string cmdline = "console=ttyS0,115200", string chain = "ipxe", string extra = "")
    {
        string k = WriteFile($"files/{name}/vmlinuz", "kernel of " + name);
        string i = WriteFile($"files/{name}/initrd.img", "initrd of " + name);
        WriteFile($"profiles/{name}.yaml", $"""
            name: {name}
            description: test profile {name}
            kernel:
              path: files/{name}/vmlinuz
              sha256: {k}
            initrds:
              - path: files/{name}/initrd.img
                sha256: {i}
            cmdline: "{cmdline}"
            chain: {chain}
            {extra}
            """);
    }

    public void WriteHosts(string yaml) => WriteFile("hosts.yaml", yaml);

    /// <summary>Copies the committed boot-images YAML (profiles, hosts.yaml) from the repository.</summary>
    public void CopyCommittedYaml()
    {
        string repo = FindRepoRoot();
        foreach (var f in Directory.EnumerateFiles(Path.Combine(repo, "boot-images"), "*.yaml", SearchOption.AllDirectories))
        {
            string rel = Path.GetRelativePath(Path.Combine(repo, "boot-images"), f);
            Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(Dir, rel))!);
            File.Copy(f, Path.Combine(Dir, rel), overwrite: true);
        }
    }

    public static string FindRepoRoot()
    {
        var d = new DirectoryInfo(AppContext.BaseDirectory);
        while (d is not null && !File.Exists(Path.Combine(d.FullName, "Directory.Build.props")))
        {
            d = d.Parent;
        }

        return d?.FullName ?? throw new InvalidOperationException("repository root not found");
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
