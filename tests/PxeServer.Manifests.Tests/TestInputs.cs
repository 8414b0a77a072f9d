using System.Runtime.CompilerServices;
using PxeServer.Catalog.Model;
using PxeServer.Protocols;

namespace PxeServer.Manifests;

/// <summary>Inputs shared by the tests: the documented OpenShift PXE scenario and variations.</summary>
internal static class TestInputs
{
    public const string ScenarioMac = "de:00:00:00:00:de";

    public static readonly string[] Profiles = ["fedora-netinst", "memtest"];

    /// <summary>
    /// The scenario of architecture.md / the OpenShift procedure: bridge br1, VLAN 1, NAD pxe-net-conf, VMI
    /// vmi-pxe-boot with MAC de:00:00:00:00:de (all defaults of <see cref="KubeVirtOptions"/>).
    /// </summary>
    public static ManifestRequest Scenario() => new()
    {
        KubeVirt = new KubeVirtOptions(),
        Hosts = [new HostEntry(MacAddress.Parse(ScenarioMac), "fedora-netinst", "vmi-pxe-boot")],
        ProfileNames = Profiles,
    };

    public static HostEntry Host(string mac, string? name = null, FirmwareKind firmware = FirmwareKind.Bios, string profile = "fedora-netinst") =>
        new(MacAddress.Parse(mac), profile, name, null, firmware);

    public static string GoldenSourcePath(string file, [CallerFilePath] string caller = "") =>
        Path.Combine(Path.GetDirectoryName(caller)!, "Golden", file);

    public static string GoldenOutputPath(string file) => Path.Combine(AppContext.BaseDirectory, "Golden", file);
}
