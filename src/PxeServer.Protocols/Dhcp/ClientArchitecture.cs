namespace PxeServer.Protocols.Dhcp;

/// <summary>
/// RFC 4578 §2.1 option 93, Client System Architecture Type, with the values of the IANA
/// "Processor Architecture Types" registry that PXE clients send in practice.
/// </summary>
public enum ClientArchitecture : ushort
{
    /// <summary>0: Intel x86PC (legacy BIOS PXE; SeaBIOS + iPXE ROM).</summary>
    X86Bios = 0,

    /// <summary>1: NEC/PC98 (deprecated).</summary>
    NecPc98 = 1,

    /// <summary>2: Itanium.</summary>
    Itanium = 2,

    /// <summary>3: DEC Alpha (deprecated).</summary>
    DecAlpha = 3,

    /// <summary>4: Arc x86 (deprecated).</summary>
    ArcX86 = 4,

    /// <summary>5: Intel Lean Client (deprecated).</summary>
    IntelLeanClient = 5,

    /// <summary>6: x86 UEFI (IA32).</summary>
    X86Uefi = 6,

    /// <summary>7: x64 UEFI (OVMF sends 7).</summary>
    X64Uefi = 7,

    /// <summary>8: EFI Xscale.</summary>
    EfiXscale = 8,

    /// <summary>9: EBC; in practice sent by some x64 UEFI firmware, treated as x64 UEFI.</summary>
    X64UefiAlt = 9,

    /// <summary>10: ARM 32-bit UEFI.</summary>
    Arm32Uefi = 10,

    /// <summary>11: ARM 64-bit UEFI.</summary>
    Arm64Uefi = 11,

    /// <summary>15: x86 UEFI HTTP boot.</summary>
    X86UefiHttp = 15,

    /// <summary>16: x64 UEFI HTTP boot.</summary>
    X64UefiHttp = 16,

    /// <summary>18: ARM 32-bit UEFI HTTP boot.</summary>
    Arm32UefiHttp = 18,

    /// <summary>19: ARM 64-bit UEFI HTTP boot.</summary>
    Arm64UefiHttp = 19,
}

/// <summary>Helpers over <see cref="ClientArchitecture"/>.</summary>
public static class ClientArchitectureExtensions
{
    /// <summary>True for the UEFI architectures (PXE or HTTP boot).</summary>
    public static bool IsUefi(this ClientArchitecture arch) => arch is >= ClientArchitecture.X86Uefi and not ClientArchitecture.X86Bios;

    /// <summary>True for the UEFI HTTP boot architectures (15, 16, 18, 19): they expect a URL and <c>HTTPClient</c> in option 60.</summary>
    public static bool IsHttpBoot(this ClientArchitecture arch) =>
        arch is ClientArchitecture.X86UefiHttp or ClientArchitecture.X64UefiHttp or ClientArchitecture.Arm32UefiHttp or ClientArchitecture.Arm64UefiHttp;
}
