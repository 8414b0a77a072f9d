using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using PxeServer.Catalog.Model;
using PxeServer.Protocols;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace PxeServer.Catalog.Loading;

/// <summary>
/// Reads and validates a catalog directory (<c>profiles/*.yaml</c>, <c>hosts.yaml</c>) into an immutable
/// <see cref="CatalogSnapshot"/>. Collects every problem with file and line instead of stopping at the first.
/// </summary>
public static partial class CatalogLoader
{
    /// <summary>The hosts file, relative to the catalog.</summary>
    public const string HostsFile = "hosts.yaml";

    /// <summary>The profiles folder, relative to the catalog.</summary>
    public const string ProfilesFolder = "profiles";

    /// <summary>The profile files' folder, relative to the catalog (<c>files/&lt;profile&gt;/</c>).</summary>
    public const string FilesFolder = "files";

    /// <summary>The loaders folder, relative to the catalog.</summary>
    public const string LoadersFolder = "loaders";

    /// <summary>Checksums of the installed loaders (sha256sum format), relative to the catalog.</summary>
    public const string LoaderSumsFile = "loaders/SHA256SUMS";

    internal static readonly string[] s_variables = ["mac", "ip", "hostname", "profile", "server"];

    /// <summary>Loads the catalog or throws <see cref="CatalogLoadException"/> listing every problem.</summary>
    public static CatalogSnapshot Load(string directory, TimeProvider? time = null) =>
        TryLoad(directory, out var snapshot, out var errors, time) ? snapshot! : throw new CatalogLoadException(directory, errors);

    /// <summary>Loads the catalog; on failure <paramref name="errors"/> lists every problem.</summary>
    public static bool TryLoad(string directory, out CatalogSnapshot? snapshot, out IReadOnlyList<CatalogError> errors, TimeProvider? time = null)
    {
        var list = new List<CatalogError>();
        errors = list;
        snapshot = null;
        string dir = Path.GetFullPath(directory);
        if (!System.IO.Directory.Exists(dir))
        {
            list.Add(new CatalogError(directory, 0, "catalog directory does not exist"));
            return false;
        }

        var profiles = new Dictionary<string, BootProfile>(StringComparer.Ordinal);
        var broken = new HashSet<string>(StringComparer.Ordinal);
        string profilesDir = Path.Combine(dir, ProfilesFolder);
        if (System.IO.Directory.Exists(profilesDir))
        {
            foreach (var other in System.IO.Directory.EnumerateFiles(profilesDir, "*.yml"))
            {
                list.Add(new CatalogError(ProfilesFolder + "/" + Path.GetFileName(other), 0, "profile files must end in .yaml; this one is not read"));
            }

            foreach (var file in System.IO.Directory.EnumerateFiles(profilesDir, "*.yaml").Order(StringComparer.Ordinal))
            {
                string rel = ProfilesFolder + "/" + Path.GetFileName(file);
                var profile = ReadProfile(file, rel, list);
                if (profile is not null)
                {
                    profiles[profile.Name] = profile;
                }
                else
                {
                    broken.Add(Path.GetFileNameWithoutExtension(file)); // already reported; do not also report its users
                }
            }
        }

        var hosts = new List<HostEntry>();
        var rules = new List<HostRule>();
        string hostsPath = Path.Combine(dir, HostsFile);
        if (File.Exists(hostsPath))
        {
            ReadHosts(hostsPath, new KnownProfiles(profiles, broken), hosts, rules, list);
        }

        if (list.Count > 0)
        {
            return false;
        }

        var referenced = new HashSet<string>(StringComparer.Ordinal);
        foreach (var p in profiles.Values)
        {
            foreach (var f in p.Files)
            {
                referenced.Add(f.Path);
            }

            foreach (var slot in Architectures.All)
            {
                if (Architectures.TryGetDefaultLoader(p.Chain, slot, out var loader))
                {
                    referenced.Add(loader);
                }
            }
        }

        var present = referenced.Where(r => File.Exists(Path.Combine(dir, r)));
        snapshot = new CatalogSnapshot(dir, profiles, hosts, rules, present, (time ?? TimeProvider.System).GetUtcNow());
        return true;
    }

    /// <summary>Reads one profile file; adds problems to <paramref name="errors"/> and returns null when invalid.</summary>
    internal static BootProfile? ReadProfile(string path, string rel, List<CatalogError> errors)
    {
        int before = errors.Count;
        var root = ReadRoot(path, rel, errors);
        if (root is null)
        {
            return null;
        }

        string expectedName = Path.GetFileNameWithoutExtension(path);
        string? name = null, description = null, cmdline = null;
        CatalogFile? kernel = null;
        var initrds = new List<CatalogFile>();
        bool bootIf = true;
        var chain = BootChain.Ipxe;
        var loaders = new Dictionary<LoaderArchitecture, CatalogFile>();
        foreach (var (keyNode, value) in root.Children)
        {
            string key = ((keyNode as YamlScalarNode)?.Value ?? string.Empty).ToLowerInvariant();
            int line = Line(keyNode);
            switch (key)
            {
                case "name":
                    name = Scalar(value, rel, "name", errors);
                    if (name is not null && !ProfileNameRegex().IsMatch(name))
                    {
                        errors.Add(new CatalogError(rel, Line(value), $"name: '{name}' must match [a-z0-9][a-z0-9._-]* (at most 63 characters)"));
                    }
                    else if (name is not null && name != expectedName)
                    {
                        errors.Add(new CatalogError(rel, Line(value), $"name: '{name}' must equal the file name '{expectedName}'"));
                    }

                    break;
                case "description":
                    description = Scalar(value, rel, "description", errors);
                    break;
                case "kernel":
                    kernel = ReadFile(value, rel, "kernel", allowUrl: false, errors);
                    break;
                case "initrds":
                case "initrd":
                    if (value is YamlSequenceNode seq)
                    {
                        int i = 0;
                        foreach (var item in seq.Children)
                        {
                            var f = ReadFile(item, rel, $"{key}[{i++}]", allowUrl: false, errors);
                            if (f is not null)
                            {
                                initrds.Add(f);
                            }
                        }
                    }
                    else if (value is YamlMappingNode)
                    {
                        var f = ReadFile(value, rel, key, allowUrl: false, errors);
                        if (f is not null)
                        {
                            initrds.Add(f);
                        }
                    }
                    else
                    {
                        errors.Add(new CatalogError(rel, Line(value), $"{key}: must be a list of {{path, sha256}}"));
                    }

                    break;
                case "cmdline":
                    cmdline = Scalar(value, rel, "cmdline", errors) ?? string.Empty;
                    CheckVariables(cmdline, rel, Line(value), errors);
                    break;
                case "bootif":
                    var b = Scalar(value, rel, "bootif", errors);
                    if (b is not null && !bool.TryParse(b, out bootIf))
                    {
                        errors.Add(new CatalogError(rel, Line(value), $"bootif: '{b}' must be true or false"));
                    }

                    break;
                case "chain":
                    var c = Scalar(value, rel, "chain", errors);
                    if (c is not null && !Architectures.TryParseChain(c, out chain))
                    {
                        errors.Add(new CatalogError(rel, Line(value), $"chain: '{c}' must be ipxe or syslinux"));
                    }

                    break;
                case "loaders":
                    if (value is not YamlMappingNode lm)
                    {
                        errors.Add(new CatalogError(rel, Line(value), "loaders: must map architectures (bios, efi-x64, ...) to {path, sha256}"));
                        break;
                    }

                    foreach (var (archNode, fileNode) in lm.Children)
                    {
                        string archKey = (archNode as YamlScalarNode)?.Value ?? string.Empty;
                        if (!Architectures.TryParseKey(archKey, out var slot))
                        {
                            errors.Add(new CatalogError(rel, Line(archNode),
                                $"loaders.{archKey}: unknown architecture (expected one of {string.Join(", ", Architectures.All.Select(Architectures.Key))})"));
                            continue;
                        }

                        var f = ReadFile(fileNode, rel, $"loaders.{archKey}", allowUrl: Architectures.IsHttp(slot), errors);
                        if (f is not null && !loaders.TryAdd(slot, f))
                        {
                            errors.Add(new CatalogError(rel, Line(archNode), $"loaders.{archKey}: given twice"));
                        }
                    }

                    break;
                default:
                    errors.Add(new CatalogError(rel, line,
                        $"{key}: unknown key (expected name, description, kernel, initrds, cmdline, bootif, chain, loaders)"));
                    break;
            }
        }

        if (name is null)
        {
            errors.Add(new CatalogError(rel, Line(root), "name: required"));
        }

        if (kernel is null && !root.Children.ContainsKey(new YamlScalarNode("kernel")))
        {
            errors.Add(new CatalogError(rel, Line(root), "kernel: required"));
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var i in initrds)
        {
            if (!seen.Add(i.FileName))
            {
                errors.Add(new CatalogError(rel, 0, $"initrds: two initrds named '{i.FileName}' (iPXE's initrd= needs distinct file names)"));
            }
        }

        if (errors.Count > before)
        {
            return null;
        }

        return new BootProfile
        {
            Name = name!,
            Description = description,
            Kernel = kernel!,
            Initrds = initrds,
            Cmdline = cmdline ?? string.Empty,
            BootIf = bootIf,
            Chain = chain,
            Loaders = loaders,
        };
    }

    private static void ReadHosts(string path, KnownProfiles profiles, List<HostEntry> hosts, List<HostRule> rules, List<CatalogError> errors)
    {
        const string Rel = HostsFile;
        var root = ReadRoot(path, Rel, errors);
        if (root is null)
        {
            return;
        }

        var macs = new Dictionary<MacAddress, int>();
        var names = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        var addresses = new Dictionary<IPAddress, int>();
        var ruleNames = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (keyNode, value) in root.Children)
        {
            string key = (keyNode as YamlScalarNode)?.Value ?? string.Empty;
            if (key is not ("hosts" or "rules"))
            {
                errors.Add(new CatalogError(Rel, Line(keyNode), $"{key}: unknown key (expected hosts, rules)"));
                continue;
            }

            if (value is YamlScalarNode { Value: null or "" or "~" or "null" })
            {
                continue; // "hosts:" with nothing under it
            }

            if (value is not YamlSequenceNode seq)
            {
                errors.Add(new CatalogError(Rel, Line(value), $"{key}: must be a list"));
                continue;
            }

            int index = 0;
            foreach (var item in seq.Children)
            {
                string where = $"{key}[{index++}]";
                if (item is not YamlMappingNode m)
                {
                    errors.Add(new CatalogError(Rel, Line(item), $"{where}: must be a mapping"));
                    continue;
                }

                if (key == "hosts")
                {
                    var host = ReadHost(m, where, profiles, errors);
                    if (host is not null)
                    {
                        if (macs.TryGetValue(host.Mac, out int firstLine))
                        {
                            errors.Add(new CatalogError(Rel, Line(m), $"{where}.mac: {host.Mac} is already listed on line {firstLine}"));
                        }
                        else if (host.Name is not null && names.TryGetValue(host.Name, out int nameLine))
                        {
                            errors.Add(new CatalogError(Rel, Line(m), $"{where}.name: '{host.Name}' is already used on line {nameLine} (it names the VM in the manifests)"));
                        }
                        else if (host.ReservedAddress is not null && addresses.TryGetValue(host.ReservedAddress, out int ipLine))
                        {
                            errors.Add(new CatalogError(Rel, Line(m), $"{where}.ip: {host.ReservedAddress} is already reserved on line {ipLine}"));
                        }
                        else
                        {
                            macs[host.Mac] = Line(m);
                            if (host.Name is not null)
                            {
                                names[host.Name] = Line(m);
                            }

                            if (host.ReservedAddress is not null)
                            {
                                addresses[host.ReservedAddress] = Line(m);
                            }

                            hosts.Add(host);
                        }
                    }
                }
                else
                {
                    var rule = ReadRule(m, where, profiles, errors);
                    if (rule is not null)
                    {
                        if (!ruleNames.Add(rule.Name))
                        {
                            errors.Add(new CatalogError(Rel, Line(m), $"{where}.name: rule '{rule.Name}' is defined twice"));
                        }
                        else
                        {
                            rules.Add(rule);
                        }
                    }
                }
            }
        }
    }

    private static HostEntry? ReadHost(YamlMappingNode m, string where, KnownProfiles profiles, List<CatalogError> errors)
    {
        const string Rel = HostsFile;
        int before = errors.Count;
        MacAddress? mac = null;
        string? profile = null, name = null;
        IPAddress? ip = null;
        var firmware = FirmwareKind.Bios;
        foreach (var (k, v) in m.Children)
        {
            string key = (k as YamlScalarNode)?.Value ?? string.Empty;
            string? text = Scalar(v, Rel, $"{where}.{key}", errors);
            if (text is null)
            {
                continue;
            }

            switch (key)
            {
                case "mac":
                    if (MacAddress.TryParse(text, out var parsed) && parsed.IsUnicast)
                    {
                        mac = parsed;
                    }
                    else
                    {
                        errors.Add(new CatalogError(Rel, Line(v), $"{where}.mac: '{text}' is not a unicast MAC address (e.g. de:00:00:00:00:de)"));
                    }

                    break;
                case "profile":
                    profile = text;
                    CheckProfile(profile, profiles, Rel, Line(v), $"{where}.profile", errors);
                    break;
                case "name":
                    name = text;
                    if (!HostNameRegex().IsMatch(text))
                    {
                        errors.Add(new CatalogError(Rel, Line(v), $"{where}.name: '{text}' must be a DNS name (letters, digits, '-', '.')"));
                    }

                    break;
                case "ip":
                    if (IPAddress.TryParse(text, out var addr) && addr.AddressFamily == AddressFamily.InterNetwork)
                    {
                        ip = addr;
                    }
                    else
                    {
                        errors.Add(new CatalogError(Rel, Line(v), $"{where}.ip: '{text}' is not an IPv4 address"));
                    }

                    break;
                case "firmware":
                    if (!TryParseFirmware(text, out firmware))
                    {
                        errors.Add(new CatalogError(Rel, Line(v), $"{where}.firmware: '{text}' must be bios or efi"));
                    }

                    break;
                default:
                    errors.Add(new CatalogError(Rel, Line(k), $"{where}.{key}: unknown key (expected mac, profile, name, ip, firmware)"));
                    break;
            }
        }

        if (mac is null && !m.Children.ContainsKey(new YamlScalarNode("mac")))
        {
            errors.Add(new CatalogError(Rel, Line(m), $"{where}.mac: required"));
        }

        if (profile is null && !m.Children.ContainsKey(new YamlScalarNode("profile")))
        {
            errors.Add(new CatalogError(Rel, Line(m), $"{where}.profile: required"));
        }

        return errors.Count > before ? null : new HostEntry(mac!.Value, profile!, name, ip, firmware);
    }

    private static HostRule? ReadRule(YamlMappingNode m, string where, KnownProfiles profiles, List<CatalogError> errors)
    {
        const string Rel = HostsFile;
        int before = errors.Count;
        string? name = null, profile = null;
        MacPrefix? prefix = null;
        List<MacAddress>? macs = null;
        foreach (var (k, v) in m.Children)
        {
            string key = (k as YamlScalarNode)?.Value ?? string.Empty;
            switch (key)
            {
                case "name":
                    name = Scalar(v, Rel, $"{where}.name", errors);
                    break;
                case "profile":
                    profile = Scalar(v, Rel, $"{where}.profile", errors);
                    if (profile is not null)
                    {
                        CheckProfile(profile, profiles, Rel, Line(v), $"{where}.profile", errors);
                    }

                    break;
                case "prefix":
                    var p = Scalar(v, Rel, $"{where}.prefix", errors);
                    if (p is not null)
                    {
                        if (MacPrefix.TryParse(p, out var parsed))
                        {
                            prefix = parsed;
                        }
                        else
                        {
                            errors.Add(new CatalogError(Rel, Line(v), $"{where}.prefix: '{p}' must be 1 to 5 octets followed by :* (e.g. de:00:00:*)"));
                        }
                    }

                    break;
                case "macs":
                    macs = [];
                    if (v is not YamlSequenceNode seq)
                    {
                        errors.Add(new CatalogError(Rel, Line(v), $"{where}.macs: must be a list of MAC addresses"));
                        break;
                    }

                    foreach (var item in seq.Children)
                    {
                        var t = Scalar(item, Rel, $"{where}.macs", errors);
                        if (t is null)
                        {
                            continue;
                        }

                        if (MacAddress.TryParse(t, out var mac) && mac.IsUnicast)
                        {
                            macs.Add(mac);
                        }
                        else
                        {
                            errors.Add(new CatalogError(Rel, Line(item), $"{where}.macs: '{t}' is not a unicast MAC address"));
                        }
                    }

                    break;
                default:
                    errors.Add(new CatalogError(Rel, Line(k), $"{where}.{key}: unknown key (expected name, profile, macs, prefix)"));
                    break;
            }
        }

        if (string.IsNullOrWhiteSpace(name))
        {
            errors.Add(new CatalogError(Rel, Line(m), $"{where}.name: required"));
        }

        if (profile is null)
        {
            errors.Add(new CatalogError(Rel, Line(m), $"{where}.profile: required"));
        }

        bool hasMacs = m.Children.ContainsKey(new YamlScalarNode("macs"));
        bool hasPrefix = m.Children.ContainsKey(new YamlScalarNode("prefix"));
        if (hasMacs == hasPrefix)
        {
            errors.Add(new CatalogError(Rel, Line(m), $"{where}: give exactly one of macs or prefix"));
        }
        else if (hasMacs && macs is { Count: 0 } && errors.Count == before)
        {
            errors.Add(new CatalogError(Rel, Line(m), $"{where}.macs: must list at least one MAC"));
        }

        return errors.Count > before ? null : new HostRule(name!, profile!, macs ?? [], prefix);
    }

    /// <summary>Parses <c>bios</c> or <c>efi</c>.</summary>
    public static bool TryParseFirmware(string? text, out FirmwareKind firmware)
    {
        switch (text?.ToLowerInvariant())
        {
            case "bios":
                firmware = FirmwareKind.Bios;
                return true;
            case "efi":
            case "uefi":
                firmware = FirmwareKind.Efi;
                return true;
            default:
                firmware = FirmwareKind.Bios;
                return false;
        }
    }

    private static void CheckProfile(string profile, KnownProfiles profiles, string rel, int line, string key, List<CatalogError> errors)
    {
        if (!profiles.Good.ContainsKey(profile) && !profiles.Broken.Contains(profile))
        {
            errors.Add(new CatalogError(rel, line, $"{key}: no profile named '{profile}' (profiles: {(profiles.Good.Count == 0 ? "none" : string.Join(", ", profiles.Good.Keys.Order(StringComparer.Ordinal)))})"));
        }
    }

    private static CatalogFile? ReadFile(YamlNode node, string rel, string key, bool allowUrl, List<CatalogError> errors)
    {
        if (node is not YamlMappingNode m)
        {
            errors.Add(new CatalogError(rel, Line(node), $"{key}: must be a mapping with path and sha256"));
            return null;
        }

        int before = errors.Count;
        string? path = null, sha = null;
        foreach (var (k, v) in m.Children)
        {
            string sub = (k as YamlScalarNode)?.Value ?? string.Empty;
            switch (sub)
            {
                case "path":
                    path = Scalar(v, rel, $"{key}.path", errors);
                    if (path is not null)
                    {
                        var file = new CatalogFile(path, null);
                        if (!(allowUrl && file.IsUrl) && ValidateRelativePath(path) is { } why)
                        {
                            errors.Add(new CatalogError(rel, Line(v), $"{key}.path: '{path}' {why}"));
                        }
                    }

                    break;
                case "sha256":
                    sha = Scalar(v, rel, $"{key}.sha256", errors)?.ToLowerInvariant();
                    if (sha is not null && !IsSha256(sha))
                    {
                        errors.Add(new CatalogError(rel, Line(v), $"{key}.sha256: must be 64 hex digits"));
                    }

                    break;
                default:
                    errors.Add(new CatalogError(rel, Line(k), $"{key}.{sub}: unknown key (expected path, sha256)"));
                    break;
            }
        }

        if (path is null && errors.Count == before)
        {
            errors.Add(new CatalogError(rel, Line(m), $"{key}.path: required"));
        }

        bool isUrl = path is not null && new CatalogFile(path, null).IsUrl;
        if (sha is null && !isUrl && errors.Count == before)
        {
            errors.Add(new CatalogError(rel, Line(m), $"{key}.sha256: required"));
        }

        return errors.Count > before ? null : new CatalogFile(path!, sha);
    }

    /// <summary>Null when <paramref name="path"/> is a safe catalog-relative path; otherwise why not.</summary>
    public static string? ValidateRelativePath(string path)
    {
        if (string.IsNullOrWhiteSpace(path))
        {
            return "must not be empty";
        }

        if (path.StartsWith('/') || path.Contains('\\') || path.Contains(':'))
        {
            return "must be relative to the catalog directory, with forward slashes";
        }

        foreach (var segment in path.Split('/'))
        {
            if (segment.Length == 0 || segment == "." || segment == "..")
            {
                return "must not contain empty, '.' or '..' segments";
            }

            if (segment.Any(c => char.IsControl(c) || char.IsWhiteSpace(c)))
            {
                return "must not contain spaces or control characters";
            }
        }

        return null;
    }

    /// <summary>True for 64 lower- or upper-case hex digits.</summary>
    public static bool IsSha256(string text) => text.Length == 64 && text.All(Uri.IsHexDigit);

    internal static void CheckVariables(string template, string rel, int line, List<CatalogError> errors)
    {
        for (int i = 0; i < template.Length; i++)
        {
            if (template[i] != '$')
            {
                continue;
            }

            if (i + 2 < template.Length && template[i + 1] == '$' && template[i + 2] == '{')
            {
                i += 2; // "$${" is a literal "${"
                continue;
            }

            if (i + 1 < template.Length && template[i + 1] == '{')
            {
                int end = template.IndexOf('}', i + 2);
                if (end < 0)
                {
                    errors.Add(new CatalogError(rel, line, $"cmdline: '${{' at column {i + 1} is not closed"));
                    return;
                }

                string name = template[(i + 2)..end];
                if (!s_variables.Contains(name))
                {
                    errors.Add(new CatalogError(rel, line,
                        $"cmdline: unknown variable ${{{name}}} (known: {string.Join(", ", s_variables.Select(v => "${" + v + "}"))}; write $${{ for a literal)"));
                }

                i = end;
            }
        }
    }

    private static YamlMappingNode? ReadRoot(string path, string rel, List<CatalogError> errors)
    {
        try
        {
            using var reader = new StreamReader(path);
            var stream = new YamlStream();
            stream.Load(reader);
            if (stream.Documents.Count == 0)
            {
                return new YamlMappingNode();
            }

            if (stream.Documents.Count > 1)
            {
                errors.Add(new CatalogError(rel, Line(stream.Documents[1].RootNode), "only one YAML document is allowed"));
                return null;
            }

            var root = stream.Documents[0].RootNode;
            if (root is YamlScalarNode { Value: null or "" })
            {
                return new YamlMappingNode();
            }

            if (root is not YamlMappingNode m)
            {
                errors.Add(new CatalogError(rel, Line(root), "the document must be a mapping"));
                return null;
            }

            return m;
        }
        catch (YamlException e)
        {
            errors.Add(new CatalogError(rel, (int)e.Start.Line, "YAML syntax: " + (e.InnerException?.Message ?? e.Message)));
            return null;
        }
        catch (InvalidOperationException e)
        {
            // YamlDotNet's scanner throws this (no position) on some malformed flow collections.
            errors.Add(new CatalogError(rel, 0, "YAML syntax: " + e.Message));
            return null;
        }
        catch (IOException e)
        {
            errors.Add(new CatalogError(rel, 0, "cannot read: " + e.Message));
            return null;
        }
        catch (UnauthorizedAccessException e)
        {
            errors.Add(new CatalogError(rel, 0, "cannot read: " + e.Message));
            return null;
        }
    }

    private static string? Scalar(YamlNode node, string rel, string key, List<CatalogError> errors)
    {
        if (node is YamlScalarNode s)
        {
            return s.Value;
        }

        errors.Add(new CatalogError(rel, Line(node), $"{key}: must be a single value"));
        return null;
    }

    private static int Line(YamlNode node) => (int)Math.Min(int.MaxValue, node.Start.Line);

    internal static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);

    [GeneratedRegex("^[a-z0-9][a-z0-9._-]{0,62}$")]
    internal static partial Regex ProfileNameRegex();

    [GeneratedRegex("^[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$")]
    private static partial Regex HostNameRegex();

    /// <summary>Profiles that loaded, and names of profile files that did not (their errors are already reported).</summary>
    private sealed record KnownProfiles(Dictionary<string, BootProfile> Good, HashSet<string> Broken);
}
