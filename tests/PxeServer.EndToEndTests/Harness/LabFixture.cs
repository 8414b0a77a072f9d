using PxeServer.Testing;
using Xunit;

namespace PxeServer.EndToEndTests.Harness;

/// <summary>All lab tests share one lab (one switch VM) and run one after another: the machine has 2 cores.</summary>
[CollectionDefinition(Name)]
public sealed class LabCollection : ICollectionFixture<LabFixture>
{
    public const string Name = "PXE lab";
}

/// <summary>
/// One lab (scripts/lab.sh up) and one catalog (scripts/lab.sh catalog) for the whole collection, created on
/// first use (after the test checked its prerequisites) and always removed at the end.
/// </summary>
public sealed class LabFixture : IAsyncLifetime
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private Dictionary<string, string>? _env;

    /// <summary>KEY=VALUE lines lab.sh printed (LAB_ID, LAB_MODE, NS_SRV, SRV_ADDR, ...).</summary>
    public IReadOnlyDictionary<string, string> Env => _env ?? throw new InvalidOperationException("lab is not up");

    public string Id => Env["LAB_ID"];

    /// <summary>"switch-vm" (VLANs in a QEMU switch, host kernel without 802.1Q) or "host-bridge".</summary>
    public string Mode => Env["LAB_MODE"];

    public string StateDir => Env["LAB_STATE"];

    public string CatalogDir { get; private set; } = string.Empty;

    /// <summary>Which server the positive cases boot from: ours (default) or the dnsmasq reference.</summary>
    public static string ServerKind => Environment.GetEnvironmentVariable("LAB_E2E_SERVER") is { Length: > 0 } s ? s : "ours";

    /// <summary>Checks what every lab test needs; fails under CI=true, skips elsewhere.</summary>
    public static void RequirePrerequisites()
    {
        Prerequisites.RequireRoot("network namespaces, taps and QEMU for the PXE lab");
        Prerequisites.RequireTool("qemu-system-x86_64", "qemu-system-x86");
        Prerequisites.RequireTool("dnsmasq", "dnsmasq-base");
        Prerequisites.RequireTool("tcpdump", "tcpdump");
        Prerequisites.RequireTool("ip", "iproute2");
        Prerequisites.RequireTool("bridge", "iproute2");
        Prerequisites.RequireTool("cpio", "cpio");
        Prerequisites.RequireTool("apt-get", "apt");
        Prerequisites.Require(File.Exists("/usr/share/OVMF/OVMF_CODE_4M.fd"), "/usr/share/OVMF/OVMF_CODE_4M.fd (Debian package ovmf)");
        Prerequisites.Require(File.Exists("/usr/lib/ipxe/qemu/efi-virtio.rom"), "/usr/lib/ipxe/qemu/efi-virtio.rom (Debian package ipxe-qemu)");
        Prerequisites.Require(File.Exists("/usr/lib/ipxe/undionly.kpxe"), "/usr/lib/ipxe/undionly.kpxe (Debian package ipxe)");
        Prerequisites.Require(File.Exists("/dev/net/tun"), "/dev/net/tun");
    }

    /// <summary>Brings the lab up once.</summary>
    public async Task EnsureUpAsync()
    {
        await _gate.WaitAsync();
        try
        {
            if (_env is not null)
            {
                return;
            }

            string id = "e" + Convert.ToHexString(BitConverter.GetBytes(Random.Shared.Next())).ToLowerInvariant()[..6];
            string output = await Shell.LabAsync(TimeSpan.FromMinutes(5), "up", "--id", id);
            _env = ParseEnv(output);
            string catalog = Path.Combine(StateDir, "catalog");
            string cat = await Shell.LabAsync(TimeSpan.FromMinutes(10), "catalog", catalog);
            CatalogDir = ParseEnv(cat).TryGetValue("CATALOG", out var c) ? c : catalog;
        }
        finally
        {
            _gate.Release();
        }
    }

    internal static Dictionary<string, string> ParseEnv(string text)
    {
        var d = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in text.Split('\n'))
        {
            int eq = line.IndexOf('=', StringComparison.Ordinal);
            if (eq > 0 && line[..eq].All(ch => char.IsAsciiLetterUpper(ch) || char.IsAsciiDigit(ch) || ch == '_'))
            {
                d[line[..eq]] = line[(eq + 1)..].Trim();
            }
        }

        return d;
    }

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        if (_env is not null)
        {
            await Shell.RunAsync(Shell.LabScript, ["down", Id], TimeSpan.FromMinutes(1));
            _env = null;
        }

        _gate.Dispose();
    }
}
