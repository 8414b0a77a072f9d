using System.Net;
using System.Text;
using PxeServer.Catalog.Model;
using PxeServer.Protocols;
using PxeServer.Protocols.Dhcp;

namespace PxeServer.Catalog.Planning;

/// <summary>
/// The boot planner over the live catalog: matches the MAC (exact &gt; list &gt; prefix &gt; default), maps option 93 to a
/// loader, breaks the iPXE chainload loop, and renders per-MAC configs in memory. Thread-safe: every call reads one
/// immutable snapshot.
/// </summary>
public sealed class BootPlanner : IBootPlanner
{
    /// <summary>Decisions cached per snapshot; beyond this many the cache starts over (bounds memory under MAC floods).</summary>
    public const int MaxCachedDecisions = 4096;

    private readonly CatalogStore _store;
    private readonly BootPlannerOptions _options;
    private volatile DecisionCache _cache;

    /// <summary>Creates the planner.</summary>
    public BootPlanner(CatalogStore store, BootPlannerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        _store = store;
        _options = options ?? new BootPlannerOptions();
        _cache = new DecisionCache(store.Current);
    }

    /// <summary>The options the planner was created with.</summary>
    public BootPlannerOptions Options => _options;

    /// <inheritdoc/>
    /// <remarks>
    /// A decision depends only on the snapshot, the MAC, option 93 and whether the client is iPXE, so it is cached
    /// per snapshot: a retransmitting client costs a dictionary lookup and no allocation.
    /// </remarks>
    public BootDecision Decide(BootRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var snapshot = _store.Current;
        var cache = _cache;
        if (!ReferenceEquals(cache.Snapshot, snapshot))
        {
            cache = new DecisionCache(snapshot);
            _cache = cache;
        }

        var key = new DecisionKey(request.Mac, request.Architecture is { } a ? (int)a : -1, IsIpxe(request));
        if (cache.Map.TryGetValue(key, out var cached))
        {
            return cached;
        }

        var decision = Decide(snapshot, request, _options);
        if (cache.Map.Count >= MaxCachedDecisions)
        {
            cache.Map.Clear();
        }

        cache.Map.TryAdd(key, decision);
        return decision;
    }

    /// <summary>Decides against a given snapshot (used by <c>pxe explain</c> and tests).</summary>
    public static BootDecision Decide(CatalogSnapshot snapshot, BootRequest request, BootPlannerOptions options)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(options);
        var mac = request.Mac;
        if (!TryResolve(snapshot, mac, options, out var match, out var profile, out var why))
        {
            return why is null
                ? BootDecision.Ignored($"{mac} matches no host, MAC list or prefix, and unknown clients are ignored")
                : new BootDecision { Outcome = BootOutcome.Refuse, Reason = why, Match = match.Kind, MatchedRule = match.Rule, Profile = match.Profile };
        }

        var host = match.Host;
        string matched = match.Kind switch
        {
            MatchKind.ExactMac => $"host entry {mac}" + (host?.Name is { } n ? $" ({n})" : string.Empty),
            MatchKind.MacList => $"MAC list rule '{match.Rule}'",
            MatchKind.MacPrefix => $"prefix rule {match.Rule}",
            _ => "no rule; unknown clients get the default profile",
        };
        var decision = new BootDecision
        {
            Outcome = BootOutcome.Refuse,
            Reason = string.Empty,
            Match = match.Kind,
            MatchedRule = match.Rule,
            Profile = profile!.Name,
            Hostname = host?.Name,
            ReservedAddress = host?.ReservedAddress,
            Chain = Architectures.Key(profile.Chain),
            NextServer = options.ServerAddress,
        };

        string archText = DescribeArchitecture(request.Architecture);
        foreach (var f in profile.Files.Take(1 + profile.Initrds.Count))
        {
            if (!snapshot.IsPresent(f.Path))
            {
                return decision with { Reason = $"{matched} -> profile {profile.Name}, but {f.Path} is missing from the catalog (pxe catalog add / verify)" };
            }
        }

        bool isIpxe = IsIpxe(request);
        bool mapped = Architectures.TryMap(request.Architecture, out var slot);
        if (profile.Chain == BootChain.Ipxe && isIpxe)
        {
            string script = ConfigRenderer.IpxeScriptPath(mac);
            return decision with
            {
                Outcome = BootOutcome.Boot,
                BootFile = script,
                ConfigFile = script,
                ArchitectureKey = mapped ? Architectures.Key(slot) : null,
                Reason = $"{matched} -> profile {profile.Name}; {archText} client is already iPXE: boot file is its script {script} (no chainload, so no loop)",
            };
        }

        if (!mapped)
        {
            return decision with { Reason = $"{matched} -> profile {profile.Name}, but {archText} is not a supported architecture" };
        }

        string key = Architectures.Key(slot);
        decision = decision with { ArchitectureKey = key };
        string? loader;
        bool overridden = profile.Loaders.TryGetValue(slot, out var file);
        if (overridden)
        {
            loader = file!.Path;
        }
        else if (!Architectures.TryGetDefaultLoader(profile.Chain, slot, out loader))
        {
            return decision with
            {
                Reason = $"{matched} -> profile {profile.Name}, but the {profile.Chain.ToString().ToLowerInvariant()} chain has no loader for {archText}: add loaders.{key} to profiles/{profile.Name}.yaml",
            };
        }

        if (!new CatalogFile(loader, null).IsUrl && !snapshot.IsPresent(loader))
        {
            return decision with
            {
                Reason = $"{matched} -> profile {profile.Name}, {archText}: loader {loader} is not installed" +
                    (overridden ? string.Empty : " (run scripts/install-loaders.sh)"),
            };
        }

        string config = profile.Chain == BootChain.Ipxe ? ConfigRenderer.IpxeScriptPath(mac) : ConfigRenderer.PxelinuxConfigPath(loader, mac);
        string next = profile.Chain == BootChain.Ipxe
            ? $"iPXE then asks again as iPXE and gets {config}"
            : $"it then reads {config}";
        return decision with
        {
            Outcome = BootOutcome.Boot,
            BootFile = loader,
            ConfigFile = config,
            Reason = $"{matched} -> profile {profile.Name}; {archText} -> {(overridden ? "profile's" : "default")} loader {loader}; {next}",
        };
    }

    /// <inheritdoc/>
    public bool TryGetVirtualFile(string path, IPAddress? client, out ReadOnlyMemory<byte> content)
    {
        content = default;
        if (path is null || !TryRender(_store.Current, path, client, _options, out var text))
        {
            return false;
        }

        content = Encoding.UTF8.GetBytes(text);
        return true;
    }

    /// <summary>Renders a virtual per-MAC file from <paramref name="snapshot"/>; false when the path is not one, or the MAC boots nothing.</summary>
    public static bool TryRender(CatalogSnapshot snapshot, string path, IPAddress? client, BootPlannerOptions options, out string text)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        ArgumentNullException.ThrowIfNull(options);
        text = string.Empty;
        if (!ConfigRenderer.TryParseVirtualPath(path.Replace('\\', '/'), out var mac, out var kind) ||
            !TryResolve(snapshot, mac, options, out var match, out var profile, out _))
        {
            return false;
        }

        text = kind == BootChain.Ipxe
            ? ConfigRenderer.RenderIpxe(profile!, match.Host, mac, client, options.ServerAddress)
            : ConfigRenderer.RenderPxelinux(profile!, match.Host, mac, client, options.ServerAddress);
        return true;
    }

    /// <summary>"x64 UEFI (option 93 = 7)".</summary>
    public static string DescribeArchitecture(ClientArchitecture? arch) => arch switch
    {
        null => "BIOS (no option 93)",
        ClientArchitecture.X86Bios => "x86 BIOS (option 93 = 0)",
        ClientArchitecture.X86Uefi => "x86 UEFI (option 93 = 6)",
        ClientArchitecture.X64Uefi => "x64 UEFI (option 93 = 7)",
        ClientArchitecture.X64UefiAlt => "x64 UEFI (option 93 = 9)",
        ClientArchitecture.Arm32Uefi => "ARM32 UEFI (option 93 = 10)",
        ClientArchitecture.Arm64Uefi => "ARM64 UEFI (option 93 = 11)",
        ClientArchitecture.X64UefiHttp => "x64 UEFI HTTP (option 93 = 16)",
        ClientArchitecture.Arm64UefiHttp => "ARM64 UEFI HTTP (option 93 = 19)",
        { } other => $"architecture {other} (option 93 = {(ushort)other})",
    };

    /// <summary>Option 175 present or option 77 exactly <c>iPXE</c> (the DHCP layer sets <see cref="BootRequest.IsIpxe"/>).</summary>
    private static bool IsIpxe(BootRequest request) => request.IsIpxe || string.Equals(request.UserClass, "iPXE", StringComparison.Ordinal);

    private static bool TryResolve(CatalogSnapshot snapshot, MacAddress mac, BootPlannerOptions options, out CatalogMatch match, out BootProfile? profile, out string? refusal)
    {
        refusal = null;
        profile = null;
        match = snapshot.Match(mac);
        if (match.Kind == MatchKind.None)
        {
            if (options.UnknownClients != UnknownClientAction.DefaultProfile)
            {
                return false;
            }

            match = new CatalogMatch(MatchKind.Default, options.DefaultProfile, "default profile", null);
            if (options.DefaultProfile is null)
            {
                refusal = $"{mac} is unknown and the policy is to boot the default profile, but catalog.defaultProfile is not set";
                return false;
            }
        }

        if (!snapshot.Profiles.TryGetValue(match.Profile!, out profile))
        {
            refusal = $"{mac} -> profile {match.Profile}, which is not in the catalog";
            return false;
        }

        return true;
    }

    private readonly record struct DecisionKey(MacAddress Mac, int Architecture, bool IsIpxe);

    private sealed class DecisionCache(CatalogSnapshot snapshot)
    {
        public CatalogSnapshot Snapshot { get; } = snapshot;

        public System.Collections.Concurrent.ConcurrentDictionary<DecisionKey, BootDecision> Map { get; } = new();
    }
}
