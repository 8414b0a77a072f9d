using System.Diagnostics.CodeAnalysis;
using PxeServer.Protocols.Dhcp;

namespace PxeServer.Catalog.Model;

/// <summary>
/// The loader slots a profile can fill: one per family of RFC 4578 option 93 values that boot the same binary.
/// </summary>
public enum LoaderArchitecture
{
    /// <summary>0: x86 BIOS (key <c>bios</c>).</summary>
    Bios,

    /// <summary>6: x86 (IA32) UEFI (key <c>efi-ia32</c>).</summary>
    EfiIa32,

    /// <summary>7 and 9: x64 UEFI (key <c>efi-x64</c>).</summary>
    EfiX64,

    /// <summary>10: ARM 32-bit UEFI (key <c>efi-arm32</c>).</summary>
    EfiArm32,

    /// <summary>11: ARM 64-bit UEFI (key <c>efi-arm64</c>).</summary>
    EfiArm64,

    /// <summary>16: x64 UEFI HTTP boot (key <c>http-x64</c>).</summary>
    HttpX64,

    /// <summary>19: ARM 64-bit UEFI HTTP boot (key <c>http-arm64</c>).</summary>
    HttpArm64,
}

/// <summary>The boot chain a profile uses.</summary>
public enum BootChain
{
    /// <summary>iPXE: undionly.kpxe / ipxe.efi, then a per-MAC iPXE script. The default.</summary>
    Ipxe,

    /// <summary>SYSLINUX: pxelinux.0 / syslinux.efi, then <c>pxelinux.cfg/01-&lt;mac&gt;</c>.</summary>
    Syslinux,
}

/// <summary>Maps option 93 to loader slots, and slots and chains to their YAML keys and default loaders.</summary>
public static class Architectures
{
    /// <summary>Every slot, in table order.</summary>
    public static IReadOnlyList<LoaderArchitecture> All { get; } = Enum.GetValues<LoaderArchitecture>();

    /// <summary>
    /// The slot for an option 93 value (RFC 4578 §2.1, IANA registry); false for architectures we do not boot.
    /// A missing option 93 means a plain BIOS PXE client.
    /// </summary>
    public static bool TryMap(ClientArchitecture? arch, out LoaderArchitecture slot)
    {
        switch (arch)
        {
            case null:
            case ClientArchitecture.X86Bios:
                slot = LoaderArchitecture.Bios;
                return true;
            case ClientArchitecture.X86Uefi:
                slot = LoaderArchitecture.EfiIa32;
                return true;
            case ClientArchitecture.X64Uefi:
            case ClientArchitecture.X64UefiAlt: // 9 is "EBC" in the registry, but x64 firmware sends it (opnsense#2223)
                slot = LoaderArchitecture.EfiX64;
                return true;
            case ClientArchitecture.Arm32Uefi:
                slot = LoaderArchitecture.EfiArm32;
                return true;
            case ClientArchitecture.Arm64Uefi:
                slot = LoaderArchitecture.EfiArm64;
                return true;
            case ClientArchitecture.X64UefiHttp:
                slot = LoaderArchitecture.HttpX64;
                return true;
            case ClientArchitecture.Arm64UefiHttp:
                slot = LoaderArchitecture.HttpArm64;
                return true;
            default:
                slot = default;
                return false;
        }
    }

    /// <summary>The YAML key: <c>bios</c>, <c>efi-x64</c>, ...</summary>
    public static string Key(LoaderArchitecture slot) => slot switch
    {
        LoaderArchitecture.Bios => "bios",
        LoaderArchitecture.EfiIa32 => "efi-ia32",
        LoaderArchitecture.EfiX64 => "efi-x64",
        LoaderArchitecture.EfiArm32 => "efi-arm32",
        LoaderArchitecture.EfiArm64 => "efi-arm64",
        LoaderArchitecture.HttpX64 => "http-x64",
        LoaderArchitecture.HttpArm64 => "http-arm64",
        _ => throw new ArgumentOutOfRangeException(nameof(slot)),
    };

    /// <summary>Parses a YAML key (case-insensitive).</summary>
    public static bool TryParseKey(string? key, out LoaderArchitecture slot)
    {
        foreach (var s in All)
        {
            if (string.Equals(Key(s), key, StringComparison.OrdinalIgnoreCase))
            {
                slot = s;
                return true;
            }
        }

        slot = default;
        return false;
    }

    /// <summary>True for the UEFI HTTP boot slots, whose boot file is a URL.</summary>
    public static bool IsHttp(LoaderArchitecture slot) => slot is LoaderArchitecture.HttpX64 or LoaderArchitecture.HttpArm64;

    /// <summary>The YAML/CLI spelling of a chain.</summary>
    public static string Key(BootChain chain) => chain == BootChain.Syslinux ? "syslinux" : "ipxe";

    /// <summary>Parses <c>ipxe</c> or <c>syslinux</c>.</summary>
    public static bool TryParseChain(string? text, out BootChain chain)
    {
        if (string.Equals(text, "ipxe", StringComparison.OrdinalIgnoreCase))
        {
            chain = BootChain.Ipxe;
            return true;
        }

        if (string.Equals(text, "syslinux", StringComparison.OrdinalIgnoreCase))
        {
            chain = BootChain.Syslinux;
            return true;
        }

        chain = default;
        return false;
    }

    /// <summary>
    /// The built-in loader for a chain and slot, relative to the catalog (installed by scripts/install-loaders.sh),
    /// or false when there is none: the profile must then override it.
    /// </summary>
    public static bool TryGetDefaultLoader(BootChain chain, LoaderArchitecture slot, [NotNullWhen(true)] out string? path)
    {
        path = (chain, slot) switch
        {
            (BootChain.Ipxe, LoaderArchitecture.Bios) => "loaders/undionly.kpxe",
            (BootChain.Ipxe, LoaderArchitecture.EfiX64) => "loaders/ipxe.efi",
            (BootChain.Syslinux, LoaderArchitecture.Bios) => "loaders/pxelinux.0",
            (BootChain.Syslinux, LoaderArchitecture.EfiX64) => "loaders/syslinux.efi",
            _ => null,
        };
        return path is not null;
    }
}
