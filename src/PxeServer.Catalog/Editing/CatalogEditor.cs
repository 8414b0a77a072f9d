using System.Net;
using PxeServer.Catalog.Loading;
using PxeServer.Catalog.Model;
using PxeServer.Protocols;

namespace PxeServer.Catalog.Editing;

/// <summary>A problem found by <see cref="CatalogEditor.Verify"/>.</summary>
/// <param name="Owner">The profile (or <c>loaders</c>) the file belongs to.</param>
/// <param name="Path">Path relative to the catalog.</param>
/// <param name="Problem"><c>missing</c> or <c>mismatch</c>.</param>
/// <param name="Expected">Recorded sha256.</param>
/// <param name="Actual">Computed sha256 (mismatch only).</param>
internal sealed record VerifyProblem(string Owner, string Path, string Problem, string? Expected, string? Actual);

/// <summary>One file checked by <see cref="CatalogEditor.Verify"/>.</summary>
internal sealed record VerifiedFile(string Owner, string Path, string Status, long Size);

/// <summary>Thrown for an edit the catalog refuses (unknown profile, in use, ...); the CLI prints the message.</summary>
internal sealed class CatalogEditException(string message) : Exception(message);

/// <summary>Catalog maintenance used by the <c>pxe catalog</c> and <c>pxe hosts</c> commands. Every write is atomic.</summary>
internal sealed class CatalogEditor
{
    private readonly string _dir;

    public CatalogEditor(string directory) => _dir = Path.GetFullPath(directory);

    /// <summary>The catalog directory.</summary>
    public string Directory => _dir;

    /// <summary>Loads and validates the catalog (throws <see cref="CatalogLoadException"/>).</summary>
    public CatalogSnapshot Load() => CatalogLoader.Load(_dir);

    /// <summary>Creates (or, with <paramref name="replace"/>, replaces) a profile: copies the files into <c>files/NAME/</c>, hashes them, writes <c>profiles/NAME.yaml</c>.</summary>
    public (BootProfile Profile, bool Replaced) AddProfile(
        string name,
        string kernel,
        IReadOnlyList<string> initrds,
        string cmdline,
        string? description,
        BootChain chain,
        bool bootIf,
        IReadOnlyDictionary<LoaderArchitecture, string> loaders,
        Action<string, long, long>? progress = null,
        bool replace = true)
    {
        if (!replace && File.Exists(ProfilePath(name)))
        {
            throw new CatalogEditException($"profile '{name}' already exists; pass --force to replace it");
        }

        if (!CatalogLoader.ProfileNameRegex().IsMatch(name))
        {
            throw new CatalogEditException($"profile name '{name}' must match [a-z0-9][a-z0-9._-]* (at most 63 characters)");
        }

        var sources = new List<string> { kernel };
        sources.AddRange(initrds);
        sources.AddRange(loaders.Values);
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var s in sources)
        {
            if (!File.Exists(s))
            {
                throw new CatalogEditException($"{s}: no such file");
            }

            if (!names.Add(Path.GetFileName(s)))
            {
                throw new CatalogEditException($"two files are named '{Path.GetFileName(s)}'; the profile's files need distinct names");
            }
        }

        // Check the command line the same way a load would, before copying anything.
        var errors = new List<CatalogError>();
        CatalogLoader.CheckVariables(cmdline, $"profiles/{name}.yaml", 0, errors);
        if (errors.Count > 0)
        {
            throw new CatalogEditException(string.Join(Environment.NewLine, errors.Select(e => e.Message)));
        }

        CatalogFile Copy(string source)
        {
            string rel = $"{CatalogLoader.FilesFolder}/{name}/{Path.GetFileName(source)}";
            string dest = Path.Combine(_dir, rel);
            string sha = Path.GetFullPath(source) == dest
                ? AtomicFile.Sha256Of(dest)
                : AtomicFile.CopyWithSha256(source, dest, progress is null ? null : (done, total) => progress(rel, done, total));
            return new CatalogFile(rel, sha);
        }

        var profile = new BootProfile
        {
            Name = name,
            Description = description,
            Kernel = Copy(kernel),
            Initrds = [.. initrds.Select(Copy)],
            Cmdline = cmdline,
            BootIf = bootIf,
            Chain = chain,
            Loaders = loaders.ToDictionary(l => l.Key, l => Copy(l.Value)),
        };
        string yamlPath = ProfilePath(name);
        bool replaced = File.Exists(yamlPath);
        System.IO.Directory.CreateDirectory(Path.GetDirectoryName(yamlPath)!);
        AtomicFile.WriteAllText(yamlPath, CatalogYaml.Profile(profile));
        return (profile, replaced);
    }

    /// <summary>
    /// Removes a profile's YAML. Refuses while hosts or rules use it unless <paramref name="force"/>, which also
    /// removes those hosts and rules (a dangling reference would make the catalog invalid). Files stay until gc.
    /// </summary>
    public IReadOnlyList<string> RemoveProfile(string name, bool force)
    {
        var snapshot = Load();
        if (!snapshot.Profiles.ContainsKey(name))
        {
            throw new CatalogEditException($"no profile named '{name}'");
        }

        var users = snapshot.UsersOf(name);
        if (users.Count > 0 && !force)
        {
            throw new CatalogEditException($"profile '{name}' is used by {string.Join(", ", users)}; remove those first or pass --force (which removes them too)");
        }

        if (users.Count > 0)
        {
            WriteHosts([.. snapshot.Hosts.Where(h => h.Profile != name)], [.. snapshot.Rules.Where(r => r.Profile != name)]);
        }

        File.Delete(ProfilePath(name));
        return users;
    }

    /// <summary>Files under <c>files/</c> that no profile references (and crash leftovers); deletes them unless <paramref name="dryRun"/>.</summary>
    public IReadOnlyList<string> CollectGarbage(bool dryRun)
    {
        var snapshot = Load();
        var referenced = snapshot.Profiles.Values.SelectMany(p => p.Files).Select(f => f.Path).ToHashSet(StringComparer.Ordinal);
        string root = Path.Combine(_dir, CatalogLoader.FilesFolder);
        var garbage = new List<string>();
        if (!System.IO.Directory.Exists(root))
        {
            return garbage;
        }

        foreach (var file in System.IO.Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            string rel = Path.GetRelativePath(_dir, file).Replace('\\', '/');
            if (!referenced.Contains(rel))
            {
                garbage.Add(rel);
            }
        }

        if (!dryRun)
        {
            foreach (var rel in garbage)
            {
                File.Delete(Path.Combine(_dir, rel));
            }

            foreach (var d in System.IO.Directory.EnumerateDirectories(root, "*", SearchOption.AllDirectories).OrderByDescending(d => d.Length))
            {
                if (!System.IO.Directory.EnumerateFileSystemEntries(d).Any())
                {
                    System.IO.Directory.Delete(d);
                }
            }
        }

        return garbage;
    }

    /// <summary>
    /// Re-hashes every file of one profile (or of all, plus <c>loaders/SHA256SUMS</c>) and checks that the
    /// default loaders the profiles rely on are installed.
    /// </summary>
    public (IReadOnlyList<VerifiedFile> Checked, IReadOnlyList<VerifyProblem> Problems) Verify(string? profileName)
    {
        var snapshot = Load();
        IEnumerable<BootProfile> profiles = snapshot.Profiles.Values.OrderBy(p => p.Name, StringComparer.Ordinal);
        if (profileName is not null)
        {
            if (!snapshot.Profiles.TryGetValue(profileName, out var only))
            {
                throw new CatalogEditException($"no profile named '{profileName}'");
            }

            profiles = [only];
        }

        var checkedFiles = new List<VerifiedFile>();
        var problems = new List<VerifyProblem>();
        void Check(string owner, string rel, string? expected)
        {
            string full = Path.Combine(_dir, rel);
            if (!File.Exists(full))
            {
                problems.Add(new VerifyProblem(owner, rel, "missing", expected, null));
                checkedFiles.Add(new VerifiedFile(owner, rel, "missing", 0));
                return;
            }

            long size = new FileInfo(full).Length;
            if (expected is null)
            {
                checkedFiles.Add(new VerifiedFile(owner, rel, "present", size));
                return;
            }

            string actual = AtomicFile.Sha256Of(full);
            bool ok = string.Equals(actual, expected, StringComparison.OrdinalIgnoreCase);
            checkedFiles.Add(new VerifiedFile(owner, rel, ok ? "ok" : "mismatch", size));
            if (!ok)
            {
                problems.Add(new VerifyProblem(owner, rel, "mismatch", expected, actual));
            }
        }

        var sums = ReadLoaderSums();
        var loadersDone = new HashSet<string>(StringComparer.Ordinal);
        foreach (var p in profiles)
        {
            foreach (var f in p.Files)
            {
                Check(p.Name, f.Path, f.Sha256);
            }

            foreach (var slot in Architectures.All)
            {
                if (!p.Loaders.ContainsKey(slot) && Architectures.TryGetDefaultLoader(p.Chain, slot, out var loader) && loadersDone.Add(loader))
                {
                    Check("loaders", loader, sums.GetValueOrDefault(loader));
                }
            }
        }

        if (profileName is null)
        {
            foreach (var (rel, sha) in sums.OrderBy(s => s.Key, StringComparer.Ordinal))
            {
                if (loadersDone.Add(rel))
                {
                    Check("loaders", rel, sha);
                }
            }
        }

        return (checkedFiles, problems);
    }

    /// <summary>Adds or replaces the host entry for <paramref name="mac"/>; true when it replaced one.</summary>
    public bool AddHost(MacAddress mac, string profile, string? name, IPAddress? ip, FirmwareKind firmware)
    {
        var snapshot = Load();
        if (!snapshot.Profiles.ContainsKey(profile))
        {
            throw new CatalogEditException($"no profile named '{profile}' (profiles: {(snapshot.Profiles.Count == 0 ? "none" : string.Join(", ", snapshot.Profiles.Keys.Order(StringComparer.Ordinal)))})");
        }

        var entry = new HostEntry(mac, profile, name, ip, firmware);
        var hosts = snapshot.Hosts.ToList();
        int i = hosts.FindIndex(h => h.Mac == mac);
        if (i >= 0)
        {
            hosts[i] = entry;
        }
        else
        {
            hosts.Add(entry);
        }

        WriteHosts(hosts, snapshot.Rules);
        return i >= 0;
    }

    /// <summary>Removes the host entry for <paramref name="mac"/>; false when there was none.</summary>
    public bool RemoveHost(MacAddress mac)
    {
        var snapshot = Load();
        var hosts = snapshot.Hosts.Where(h => h.Mac != mac).ToList();
        if (hosts.Count == snapshot.Hosts.Count)
        {
            return false;
        }

        WriteHosts(hosts, snapshot.Rules);
        return true;
    }

    /// <summary>Writes hosts.yaml atomically.</summary>
    private void WriteHosts(IReadOnlyList<HostEntry> hosts, IReadOnlyList<HostRule> rules)
    {
        string yaml = CatalogYaml.Hosts(hosts, rules);
        AtomicFile.WriteAllText(Path.Combine(_dir, CatalogLoader.HostsFile), yaml);
    }

    private string ProfilePath(string name) => Path.Combine(_dir, CatalogLoader.ProfilesFolder, name + ".yaml");

    /// <summary>Parses <c>loaders/SHA256SUMS</c> (<c>sha256sum</c> output, names relative to <c>loaders/</c>).</summary>
    private Dictionary<string, string> ReadLoaderSums()
    {
        var sums = new Dictionary<string, string>(StringComparer.Ordinal);
        string path = Path.Combine(_dir, CatalogLoader.LoaderSumsFile);
        if (!File.Exists(path))
        {
            return sums;
        }

        foreach (var raw in File.ReadLines(path))
        {
            var line = raw.Trim();
            int space = line.IndexOf(' ', StringComparison.Ordinal);
            if (space != 64 || !CatalogLoader.IsSha256(line[..64]))
            {
                continue;
            }

            string file = line[65..].TrimStart(' ', '*');
            sums[$"{CatalogLoader.LoadersFolder}/{file}"] = line[..64].ToLowerInvariant();
        }

        return sums;
    }
}
