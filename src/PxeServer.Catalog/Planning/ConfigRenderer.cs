using System.Net;
using System.Text;
using PxeServer.Catalog.Model;
using PxeServer.Protocols;

namespace PxeServer.Catalog.Planning;

/// <summary>Renders per-MAC iPXE scripts and PXELINUX configs, and expands kernel command-line variables.</summary>
internal static class ConfigRenderer
{
    /// <summary>Folder of the per-MAC iPXE scripts, relative to the TFTP root.</summary>
    public const string IpxeFolder = "ipxe";

    /// <summary>PXELINUX's config folder name (it is looked up next to the loader).</summary>
    public const string PxelinuxFolder = "pxelinux.cfg";

    /// <summary><c>ipxe/01-de-00-00-00-00-de.ipxe</c>.</summary>
    public static string IpxeScriptPath(MacAddress mac) => $"{IpxeFolder}/{mac.ToPxelinuxName()}.ipxe";

    /// <summary>PXELINUX asks for <c>&lt;loader dir&gt;/pxelinux.cfg/01-&lt;mac&gt;</c>.</summary>
    public static string PxelinuxConfigPath(string loaderPath, MacAddress mac)
    {
        int slash = loaderPath.LastIndexOf('/');
        string dir = slash < 0 || loaderPath.Contains("://", StringComparison.Ordinal) ? string.Empty : loaderPath[..(slash + 1)];
        return $"{dir}{PxelinuxFolder}/{mac.ToPxelinuxName()}";
    }

    /// <summary>Recognises a virtual per-MAC path: an iPXE script, or a PXELINUX config in any folder.</summary>
    public static bool TryParseVirtualPath(string path, out MacAddress mac, out BootChain kind)
    {
        mac = default;
        kind = default;
        var p = path.AsSpan().TrimStart('/');
        if (p.StartsWith(IpxeFolder + "/", StringComparison.Ordinal) && p.EndsWith(".ipxe", StringComparison.OrdinalIgnoreCase))
        {
            var name = p[(IpxeFolder.Length + 1)..^5];
            kind = BootChain.Ipxe;
            return name.StartsWith("01-", StringComparison.Ordinal) && MacAddress.TryParse(name[3..], out mac);
        }

        int cfg = p.LastIndexOf(PxelinuxFolder + "/", StringComparison.Ordinal);
        if (cfg >= 0 && (cfg == 0 || p[cfg - 1] == '/'))
        {
            var name = p[(cfg + PxelinuxFolder.Length + 1)..];
            kind = BootChain.Syslinux;
            return name.Length == 20 && name.StartsWith("01-", StringComparison.Ordinal) && MacAddress.TryParse(name[3..], out mac);
        }

        return false;
    }

    /// <summary>The values <c>${...}</c> expands to for one client.</summary>
    public sealed record Variables(MacAddress Mac, string? Ip, string? Hostname, string Profile, string? Server);

    /// <summary>Expands the command line and appends <c>BOOTIF=01-&lt;mac&gt;</c> when the profile asks for it.</summary>
    public static string ExpandCmdline(BootProfile profile, Variables v)
    {
        var sb = new StringBuilder(profile.Cmdline.Length + 32);
        string t = profile.Cmdline;
        for (int i = 0; i < t.Length; i++)
        {
            char c = t[i];
            if (c == '$' && i + 2 < t.Length && t[i + 1] == '$' && t[i + 2] == '{')
            {
                sb.Append("${");
                i += 2;
                continue;
            }

            if (c == '$' && i + 1 < t.Length && t[i + 1] == '{')
            {
                int end = t.IndexOf('}', i + 2);
                if (end > 0)
                {
                    sb.Append(t[(i + 2)..end] switch
                    {
                        "mac" => v.Mac.ToString(),
                        "ip" => v.Ip ?? string.Empty,
                        "hostname" => v.Hostname ?? string.Empty,
                        "profile" => v.Profile,
                        "server" => v.Server ?? string.Empty,
                        _ => string.Empty, // the loader rejects unknown variables
                    });
                    i = end;
                    continue;
                }
            }

            sb.Append(c);
        }

        string line = sb.ToString().Trim();
        if (profile.BootIf && !line.Contains("BOOTIF=", StringComparison.Ordinal))
        {
            line = line.Length == 0 ? "BOOTIF=" + v.Mac.ToPxelinuxName() : line + " BOOTIF=" + v.Mac.ToPxelinuxName();
        }

        return line;
    }

    /// <summary>
    /// The iPXE script. <c>initrd=&lt;name&gt;</c> goes on the kernel line for every initrd: iPXE under UEFI needs it
    /// to hand the initrd to the kernel's EFI stub (firmware-notes.md).
    /// </summary>
    public static string RenderIpxe(BootProfile profile, HostEntry? host, MacAddress mac, IPAddress? client, IPAddress? server)
    {
        // With a known server address, absolute tftp:// URLs. Without one, paths relative to the script's own URI
        // (iPXE resolves them against the URI it fetched the script from), which needs no next-server at all:
        // in ProxyDHCP mode iPXE's ${next-server} may be the other DHCP server's siaddr.
        string urlBase = server is null ? "/" : $"tftp://{server}/";
        var vars = new Variables(mac, client?.ToString() ?? host?.ReservedAddress?.ToString() ?? "${ip}", host?.Name, profile.Name, server?.ToString() ?? "${next-server}");
        string cmdline = ExpandCmdline(profile, vars);
        var sb = new StringBuilder(256);
        sb.Append("#!ipxe\n");
        sb.Append("# PxeServer: ").Append(mac.ToString()).Append(" -> profile ").Append(profile.Name);
        if (host?.Name is { } name)
        {
            sb.Append(" (host ").Append(name).Append(')');
        }

        sb.Append('\n');
        sb.Append("kernel ").Append(urlBase).Append(profile.Kernel.Path);
        foreach (var initrd in profile.Initrds)
        {
            sb.Append(" initrd=").Append(initrd.FileName);
        }

        if (cmdline.Length > 0)
        {
            sb.Append(' ').Append(cmdline);
        }

        sb.Append('\n');
        foreach (var initrd in profile.Initrds)
        {
            sb.Append("initrd ").Append(urlBase).Append(initrd.Path).Append('\n');
        }

        sb.Append("boot\n");
        return sb.ToString();
    }

    /// <summary>
    /// The PXELINUX / SYSLINUX EFI config. <c>::</c> makes paths absolute on the TFTP server, independent of the
    /// folder the loader came from.
    /// </summary>
    public static string RenderPxelinux(BootProfile profile, HostEntry? host, MacAddress mac, IPAddress? client, IPAddress? server)
    {
        var vars = new Variables(mac, client?.ToString() ?? host?.ReservedAddress?.ToString(), host?.Name, profile.Name, server?.ToString());
        string cmdline = ExpandCmdline(profile, vars);
        var sb = new StringBuilder(256);
        sb.Append("# PxeServer: ").Append(mac.ToString()).Append(" -> profile ").Append(profile.Name).Append('\n');
        sb.Append("DEFAULT ").Append(profile.Name).Append('\n');
        sb.Append("PROMPT 0\nTIMEOUT 0\n");
        sb.Append("LABEL ").Append(profile.Name).Append('\n');
        sb.Append("  KERNEL ::").Append(profile.Kernel.Path).Append('\n');
        if (profile.Initrds.Count > 0)
        {
            sb.Append("  INITRD ").Append(string.Join(',', profile.Initrds.Select(i => "::" + i.Path))).Append('\n');
        }

        if (cmdline.Length > 0)
        {
            sb.Append("  APPEND ").Append(cmdline).Append('\n');
        }

        return sb.ToString();
    }
}
