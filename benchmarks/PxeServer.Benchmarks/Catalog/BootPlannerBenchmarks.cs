using System.Globalization;
using System.Net;
using System.Text;
using BenchmarkDotNet.Attributes;
using PxeServer.Catalog;
using PxeServer.Catalog.Loading;
using PxeServer.Catalog.Planning;
using PxeServer.Protocols;
using PxeServer.Protocols.Dhcp;

namespace PxeServer.Benchmarks.Catalog;

/// <summary>
/// The planner on the DHCP path: a catalog of 1000 exact hosts, a 1000-MAC list rule and 16 prefix rules.
/// Cached decisions (a retransmitting or re-booting client) must allocate nothing.
/// </summary>
[MemoryDiagnoser]
public class BootPlannerBenchmarks
{
    private string _dir = string.Empty;
    private BootPlanner _planner = null!;
    private PxeServer.Catalog.Model.CatalogSnapshot _snapshot = null!;
    private BootRequest _exact = null!, _listed = null!, _prefixed = null!, _unknown = null!, _ipxe = null!;

    [GlobalSetup]
    public void Setup()
    {
        _dir = Path.Combine(Path.GetTempPath(), "pxe-bench-catalog-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(Path.Combine(_dir, "profiles"));
        Directory.CreateDirectory(Path.Combine(_dir, "files", "p"));
        Directory.CreateDirectory(Path.Combine(_dir, "loaders"));
        foreach (var f in new[] { "files/p/vmlinuz", "files/p/initrd.img", "loaders/undionly.kpxe", "loaders/ipxe.efi" })
        {
            File.WriteAllText(Path.Combine(_dir, f), f);
        }

        string zero = new('0', 64);
        File.WriteAllText(Path.Combine(_dir, "profiles", "p.yaml"),
            $"name: p\nkernel: {{path: files/p/vmlinuz, sha256: {zero}}}\ninitrds: [{{path: files/p/initrd.img, sha256: {zero}}}]\ncmdline: \"console=ttyS0 host=${{hostname}}\"\n");
        var hosts = new StringBuilder("hosts:\n");
        for (int i = 0; i < 1000; i++)
        {
            hosts.Append(CultureInfo.InvariantCulture, $"  - {{mac: \"02:00:00:00:{i >> 8:x2}:{i & 0xff:x2}\", profile: p, name: h{i}}}\n");
        }

        hosts.Append("rules:\n  - name: list\n    profile: p\n    macs: [");
        hosts.AppendJoin(", ", Enumerable.Range(0, 1000).Select(i => $"\"02:00:00:01:{i >> 8:x2}:{i & 0xff:x2}\""));
        hosts.Append("]\n");
        for (int i = 0; i < 16; i++)
        {
            hosts.Append(CultureInfo.InvariantCulture, $"  - {{name: oui{i}, profile: p, prefix: \"de:00:{i:x2}:*\"}}\n");
        }

        File.WriteAllText(Path.Combine(_dir, "hosts.yaml"), hosts.ToString());
        var store = CatalogStore.Load(_dir);
        _snapshot = store.Current;
        _planner = new BootPlanner(store, new BootPlannerOptions { ServerAddress = IPAddress.Parse("192.168.100.1") });
        _exact = new BootRequest(MacAddress.Parse("02:00:00:00:01:f4"), ClientArchitecture.X64Uefi);
        _listed = new BootRequest(MacAddress.Parse("02:00:00:01:01:f4"), ClientArchitecture.X86Bios);
        _prefixed = new BootRequest(MacAddress.Parse("de:00:0f:12:34:56"), ClientArchitecture.X86Bios);
        _unknown = new BootRequest(MacAddress.Parse("52:54:00:12:34:56"), ClientArchitecture.X86Bios);
        _ipxe = new BootRequest(MacAddress.Parse("02:00:00:00:01:f4"), ClientArchitecture.X86Bios, IsIpxe: true);
    }

    [GlobalCleanup]
    public void Cleanup() => Directory.Delete(_dir, recursive: true);

    [Benchmark]
    public BootDecision Decide_ExactMac_Cached() => _planner.Decide(_exact);

    [Benchmark]
    public BootDecision Decide_MacList_Cached() => _planner.Decide(_listed);

    [Benchmark]
    public BootDecision Decide_Prefix_Cached() => _planner.Decide(_prefixed);

    [Benchmark]
    public BootDecision Decide_Unknown_Cached() => _planner.Decide(_unknown);

    [Benchmark]
    public BootDecision Decide_IpxeClient_Cached() => _planner.Decide(_ipxe);

    [Benchmark]
    public BootDecision Decide_Uncached_FirstSight() =>
        BootPlanner.Decide(_snapshot, _prefixed, _planner.Options);

    [Benchmark]
    public bool RenderIpxeScript()
    {
        bool ok = _planner.TryGetVirtualFile("ipxe/01-02-00-00-00-01-f4.ipxe", IPAddress.Loopback, out var content);
        return ok && content.Length > 0;
    }

    [Benchmark]
    public int LoadCatalog_1000Hosts() => CatalogLoader.Load(_dir).Hosts.Count;
}
