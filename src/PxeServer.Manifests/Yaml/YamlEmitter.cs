using System.Globalization;
using System.Text;

namespace PxeServer.Manifests.Yaml;

/// <summary>
/// Writes <see cref="YamlNode"/> documents as block-style YAML in the layout <c>kubectl</c> prints:
/// two-space indentation, sequence dashes at the indentation of their key, <c>{}</c> / <c>[]</c> for
/// empty collections, <c>\n</c> line ends, each document opened by <c>---</c>.
/// </summary>
/// <remarks>
/// Quoting is conservative so that YAML 1.1 readers (go-yaml v2, PyYAML) and YAML 1.2 readers resolve every
/// scalar to the same type: a string is written plain only if it starts with a letter, holds nothing but
/// letters, digits, '.', '_', '/' and '-', and is not one of YAML 1.1's boolean or null words. Everything
/// else is double-quoted, so a MAC such as <c>00:11:22:33:44:55</c> can never become a sexagesimal number
/// and a quantity such as <c>1024M</c> stays a string.
/// </remarks>
internal static class YamlEmitter
{
    private static readonly HashSet<string> s_reservedWords = new(StringComparer.OrdinalIgnoreCase)
    {
        "y", "n", "yes", "no", "on", "off", "true", "false", "null",
    };

    /// <summary>Appends one document, starting with <c>---</c>.</summary>
    public static void WriteDocument(StringBuilder output, YamlMap document)
    {
        output.Append("---\n");
        if (document.Count == 0)
        {
            output.Append("{}\n");
            return;
        }

        WriteMapEntries(output, document, 0, firstLinePrefix: null);
    }

    /// <summary>Writes a stream of documents to one string.</summary>
    public static string Write(IEnumerable<YamlMap> documents)
    {
        var sb = new StringBuilder();
        foreach (var doc in documents)
        {
            WriteDocument(sb, doc);
        }

        return sb.ToString();
    }

    private static void WriteMapEntries(StringBuilder output, YamlMap map, int indent, string? firstLinePrefix)
    {
        bool first = true;
        foreach (var (key, value) in map)
        {
            if (first && firstLinePrefix is not null)
            {
                output.Append(firstLinePrefix);
            }
            else
            {
                output.Append(' ', indent);
            }

            first = false;
            output.Append(FormatString(key)).Append(':');
            WriteValueAfterKey(output, value, indent);
        }
    }

    private static void WriteValueAfterKey(StringBuilder output, YamlNode value, int indent)
    {
        switch (value)
        {
            case YamlScalar { Kind: YamlScalarKind.Literal } literal when CanWriteLiteral(literal.Text):
                output.Append(" |-\n");
                foreach (var line in literal.Text.Split('\n'))
                {
                    if (line.Length > 0)
                    {
                        output.Append(' ', indent + 2).Append(line);
                    }

                    output.Append('\n');
                }

                break;
            case YamlScalar scalar:
                output.Append(' ').Append(FormatScalar(scalar)).Append('\n');
                break;
            case YamlMap { Count: 0 }:
                output.Append(" {}\n");
                break;
            case YamlMap map:
                output.Append('\n');
                WriteMapEntries(output, map, indent + 2, firstLinePrefix: null);
                break;
            case YamlSeq { Count: 0 }:
                output.Append(" []\n");
                break;
            case YamlSeq seq:
                output.Append('\n');
                WriteSeqItems(output, seq, indent);
                break;
            default:
                throw new InvalidOperationException($"Unknown YAML node {value.GetType().Name}.");
        }
    }

    private static void WriteSeqItems(StringBuilder output, YamlSeq seq, int indent)
    {
        foreach (var item in seq)
        {
            switch (item)
            {
                case YamlScalar scalar:
                    output.Append(' ', indent).Append("- ").Append(FormatScalar(scalar)).Append('\n');
                    break;
                case YamlMap { Count: 0 }:
                    output.Append(' ', indent).Append("- {}\n");
                    break;
                case YamlMap map:
                    WriteMapEntries(output, map, indent + 2, firstLinePrefix: new string(' ', indent) + "- ");
                    break;
                case YamlSeq { Count: 0 }:
                    output.Append(' ', indent).Append("- []\n");
                    break;
                case YamlSeq nested:
                    output.Append(' ', indent).Append("-\n");
                    WriteSeqItems(output, nested, indent + 2);
                    break;
                default:
                    throw new InvalidOperationException($"Unknown YAML node {item.GetType().Name}.");
            }
        }
    }

    // A literal block is lossless only without carriage returns, tabs, trailing spaces or a leading space on
    // the first line (which would change the detected indentation); otherwise fall back to double quotes.
    private static bool CanWriteLiteral(string text) =>
        text.Length > 0 && text[0] is not (' ' or '\n') && !text.EndsWith('\n') &&
        !text.Contains('\r', StringComparison.Ordinal) && !text.Contains('\t', StringComparison.Ordinal) &&
        !text.Split('\n').Any(l => l.EndsWith(' ')) && !text.Any(c => char.IsControl(c) && c != '\n');

    private static string FormatScalar(YamlScalar scalar) => scalar.Kind switch
    {
        YamlScalarKind.Integer or YamlScalarKind.Boolean => scalar.Text,
        _ => FormatString(scalar.Text),
    };

    /// <summary>The string plain when that is unambiguous, else double-quoted with escapes.</summary>
    internal static string FormatString(string value) => IsPlainSafe(value) ? value : DoubleQuote(value);

    internal static bool IsPlainSafe(string value)
    {
        if (value.Length == 0 || !char.IsAsciiLetter(value[0]) || s_reservedWords.Contains(value))
        {
            return false;
        }

        foreach (char c in value)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '/' or '-'))
            {
                return false;
            }
        }

        return true;
    }

    private static string DoubleQuote(string value)
    {
        var sb = new StringBuilder(value.Length + 2);
        sb.Append('"');
        foreach (char c in value)
        {
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                default:
                    if (char.IsControl(c) || c is '\u2028' or '\u2029' or '\u0085' or '\uFEFF')
                    {
                        sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        sb.Append(c);
                    }

                    break;
            }
        }

        return sb.Append('"').ToString();
    }
}
