using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using PxeServer.Catalog.Model;

namespace PxeServer.Catalog.Editing;

/// <summary>Writes profiles and hosts.yaml in the documented layout (docs/catalog.md).</summary>
internal static partial class CatalogYaml
{
    /// <summary>The YAML of a profile.</summary>
    public static string Profile(BootProfile p)
    {
        var sb = new StringBuilder();
        sb.Append("# Boot profile, see docs/catalog.md. Written by 'pxe catalog add'; sha256 is checked by 'pxe catalog verify'.\n");
        sb.Append("name: ").Append(Quote(p.Name)).Append('\n');
        if (!string.IsNullOrEmpty(p.Description))
        {
            sb.Append("description: ").Append(Quote(p.Description)).Append('\n');
        }

        sb.Append("kernel:\n");
        File(sb, "  ", p.Kernel);
        if (p.Initrds.Count == 0)
        {
            sb.Append("initrds: []\n");
        }
        else
        {
            sb.Append("initrds:\n");
            foreach (var i in p.Initrds)
            {
                sb.Append("  - path: ").Append(Quote(i.Path)).Append('\n');
                sb.Append("    sha256: ").Append(i.Sha256).Append('\n');
            }
        }

        sb.Append("cmdline: ").Append(Quote(p.Cmdline)).Append('\n');
        sb.Append("bootif: ").Append(p.BootIf ? "true" : "false").Append('\n');
        sb.Append("chain: ").Append(Architectures.Key(p.Chain)).Append('\n');
        if (p.Loaders.Count > 0)
        {
            sb.Append("loaders:\n");
            foreach (var (slot, file) in p.Loaders.OrderBy(l => l.Key))
            {
                sb.Append("  ").Append(Architectures.Key(slot)).Append(":\n");
                File(sb, "    ", file);
            }
        }

        return sb.ToString();
    }

    /// <summary>The YAML of hosts.yaml.</summary>
    public static string Hosts(IReadOnlyList<HostEntry> hosts, IReadOnlyList<HostRule> rules)
    {
        var sb = new StringBuilder();
        sb.Append("# MAC -> profile, see docs/catalog.md. Priority: exact MAC > MAC list > longest MAC prefix > default profile.\n");
        sb.Append("# Rewritten by 'pxe hosts add/remove' (comments other than this header are not kept).\n");
        if (hosts.Count == 0)
        {
            sb.Append("hosts: []\n");
        }
        else
        {
            sb.Append("hosts:\n");
            foreach (var h in hosts)
            {
                sb.Append("  - mac: ").Append(h.Mac.ToString()).Append('\n');
                sb.Append("    profile: ").Append(Quote(h.Profile)).Append('\n');
                if (h.Name is not null)
                {
                    sb.Append("    name: ").Append(Quote(h.Name)).Append('\n');
                }

                if (h.ReservedAddress is not null)
                {
                    sb.Append("    ip: ").Append(h.ReservedAddress).Append('\n');
                }

                sb.Append("    firmware: ").Append(h.Firmware == FirmwareKind.Efi ? "efi" : "bios").Append('\n');
            }
        }

        if (rules.Count > 0)
        {
            sb.Append("rules:\n");
            foreach (var r in rules)
            {
                sb.Append("  - name: ").Append(Quote(r.Name)).Append('\n');
                sb.Append("    profile: ").Append(Quote(r.Profile)).Append('\n');
                if (r.Prefix is { } prefix)
                {
                    sb.Append("    prefix: \"").Append(prefix.ToString()).Append("\"\n");
                }
                else
                {
                    sb.Append("    macs: [").Append(string.Join(", ", r.Macs.Select(m => m.ToString()))).Append("]\n");
                }
            }
        }

        return sb.ToString();
    }

    /// <summary>A plain scalar when that is unambiguous, otherwise a double-quoted (JSON-compatible) one.</summary>
    public static string Quote(string text) =>
        PlainRegex().IsMatch(text) && !IsReserved(text) ? text : JsonSerializer.Serialize(text, s_json);

    private static readonly JsonSerializerOptions s_json = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static bool IsReserved(string s) =>
        s is "true" or "false" or "null" or "yes" or "no" or "on" or "off" or "~" || double.TryParse(s, out _);

    private static void File(StringBuilder sb, string indent, CatalogFile f)
    {
        sb.Append(indent).Append("path: ").Append(Quote(f.Path)).Append('\n');
        if (f.Sha256 is not null)
        {
            sb.Append(indent).Append("sha256: ").Append(f.Sha256).Append('\n');
        }
    }

    [GeneratedRegex("^[A-Za-z0-9_./][A-Za-z0-9_./=,+-]*$")]
    private static partial Regex PlainRegex();
}
