using System.Collections.Frozen;
using PxeServer.Protocols;

namespace PxeServer.Catalog.Model;

/// <summary>
/// One immutable, validated view of the catalog directory. Readers keep the snapshot they started with, so a reload
/// never changes anything under them.
/// </summary>
public sealed class CatalogSnapshot
{
    private readonly FrozenDictionary<MacAddress, HostEntry> _hostsByMac;
    private readonly FrozenDictionary<MacAddress, string> _hostText;
    private readonly FrozenDictionary<MacAddress, HostRule> _listRuleByMac;
    private readonly (HostRule Rule, string Text)[] _prefixRules; // longest prefix first, then file order; text precomputed
    private readonly FrozenSet<string> _presentFiles;

    internal CatalogSnapshot(
        string directory,
        IReadOnlyDictionary<string, BootProfile> profiles,
        IReadOnlyList<HostEntry> hosts,
        IReadOnlyList<HostRule> rules,
        IEnumerable<string> presentFiles,
        DateTimeOffset loadedAt)
    {
        Directory = directory;
        Profiles = profiles.ToFrozenDictionary(StringComparer.Ordinal);
        Hosts = hosts;
        Rules = rules;
        LoadedAt = loadedAt;
        _hostsByMac = hosts.ToFrozenDictionary(h => h.Mac);
        _hostText = hosts.ToFrozenDictionary(h => h.Mac, h => h.Mac.ToString());
        var byMac = new Dictionary<MacAddress, HostRule>();
        foreach (var rule in rules)
        {
            foreach (var mac in rule.Macs)
            {
                byMac.TryAdd(mac, rule); // first rule in file order wins
            }
        }

        _listRuleByMac = byMac.ToFrozenDictionary();
        _prefixRules = [.. rules.Where(r => r.Prefix is not null).Select((r, i) => (r, i))
            .OrderByDescending(t => t.r.Prefix!.Value.Octets).ThenBy(t => t.i).Select(t => (t.r, $"{t.r.Name} ({t.r.Prefix})"))];
        _presentFiles = presentFiles.ToFrozenSet(StringComparer.Ordinal);
    }

    /// <summary>The catalog directory (full path).</summary>
    public string Directory { get; }

    /// <summary>Profiles by name.</summary>
    public IReadOnlyDictionary<string, BootProfile> Profiles { get; }

    /// <summary>Exact-MAC host entries, in file order.</summary>
    public IReadOnlyList<HostEntry> Hosts { get; }

    /// <summary>List and prefix rules, in file order.</summary>
    public IReadOnlyList<HostRule> Rules { get; }

    /// <summary>When this snapshot was loaded.</summary>
    public DateTimeOffset LoadedAt { get; }

    /// <summary>The host entry with exactly this MAC, if any.</summary>
    public HostEntry? FindHost(MacAddress mac) => _hostsByMac.GetValueOrDefault(mac);

    /// <summary>
    /// Matches a MAC: exact host entry, then the first MAC-list rule (file order), then the longest MAC prefix
    /// (ties: file order). The default profile is the planner's business, not the catalog's.
    /// </summary>
    public CatalogMatch Match(MacAddress mac)
    {
        if (_hostsByMac.TryGetValue(mac, out var host))
        {
            return new CatalogMatch(Planning.MatchKind.ExactMac, host.Profile, _hostText[mac], host);
        }

        if (_listRuleByMac.TryGetValue(mac, out var list))
        {
            return new CatalogMatch(Planning.MatchKind.MacList, list.Profile, list.Name, null);
        }

        foreach (var (rule, text) in _prefixRules)
        {
            if (rule.Prefix!.Value.Matches(mac))
            {
                return new CatalogMatch(Planning.MatchKind.MacPrefix, rule.Profile, text, null);
            }
        }

        return default;
    }

    /// <summary>True when the file (relative path) existed when the snapshot was loaded.</summary>
    public bool IsPresent(string relativePath) => _presentFiles.Contains(relativePath);

    /// <summary>The profiles that hosts or rules refer to, with who refers to them.</summary>
    public IReadOnlyList<string> UsersOf(string profile) =>
        [.. Hosts.Where(h => h.Profile == profile).Select(h => $"host {h.Mac}"),
         .. Rules.Where(r => r.Profile == profile).Select(r => $"rule {r.Name}")];
}

/// <summary>The result of <see cref="CatalogSnapshot.Match"/>.</summary>
/// <param name="Kind">How it matched (<see cref="Planning.MatchKind.None"/> when nothing did).</param>
/// <param name="Profile">The profile name.</param>
/// <param name="Rule">The rule's text: the MAC, the list rule's name, or <c>name (prefix)</c>.</param>
/// <param name="Host">The host entry for an exact match.</param>
public readonly record struct CatalogMatch(Planning.MatchKind Kind, string? Profile, string? Rule, HostEntry? Host);
