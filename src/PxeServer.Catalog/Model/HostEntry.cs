using System.Net;
using PxeServer.Protocols;

namespace PxeServer.Catalog.Model;

/// <summary>The firmware a VM boots with; drives the manifests (SeaBIOS vs OVMF).</summary>
public enum FirmwareKind
{
    /// <summary>Legacy BIOS (SeaBIOS with QEMU's iPXE ROM). The default.</summary>
    Bios,

    /// <summary>UEFI (OVMF), Secure Boot off.</summary>
    Efi,
}

/// <summary>One entry of <c>hosts.yaml</c>: a MAC and what it boots.</summary>
/// <param name="Mac">The NIC's MAC, canonical.</param>
/// <param name="Profile">Profile name in the catalog.</param>
/// <param name="Name">Host name (also the VM name in manifests); optional.</param>
/// <param name="ReservedAddress">Reserved IPv4 for full DHCP mode; optional.</param>
/// <param name="Firmware">bios (default) or efi.</param>
public sealed record HostEntry(MacAddress Mac, string Profile, string? Name = null, IPAddress? ReservedAddress = null, FirmwareKind Firmware = FirmwareKind.Bios);
