using System.Text;

namespace PxeServer.Tftp.Files;

/// <summary>
/// Turns a requested file name into a root-relative path, or refuses it. PXE clients send a leading
/// '/', meant relative to the root; Windows clients send '\', treated as '/'. Refused: NUL and control
/// characters, invalid UTF-8, '..' segments, Windows device names, empty names.
/// </summary>
internal static class TftpPath
{
    private const int MaxLength = 1024;
    private static readonly UTF8Encoding s_strictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private static readonly HashSet<string> s_deviceNames = new(StringComparer.OrdinalIgnoreCase)
    {
        "CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$",
        "COM1", "COM2", "COM3", "COM4", "COM5", "COM6", "COM7", "COM8", "COM9",
        "LPT1", "LPT2", "LPT3", "LPT4", "LPT5", "LPT6", "LPT7", "LPT8", "LPT9",
    };

    /// <summary>Normalizes <paramref name="raw"/>; on refusal <paramref name="reason"/> says why (for the log only).</summary>
    public static bool TryNormalize(ReadOnlySpan<byte> raw, out string normalized, out string reason)
    {
        normalized = string.Empty;
        if (raw.IsEmpty || raw.Length > MaxLength)
        {
            reason = "empty or over-long name";
            return false;
        }

        string text;
        try
        {
            text = s_strictUtf8.GetString(raw);
        }
        catch (DecoderFallbackException)
        {
            reason = "name is not UTF-8";
            return false;
        }

        foreach (char c in text)
        {
            if (c < ' ' || c == (char)0x7f)
            {
                reason = "control character or NUL in name";
                return false;
            }
        }

        var segments = text.Replace('\\', '/').Split('/', StringSplitOptions.RemoveEmptyEntries);
        var kept = new List<string>(segments.Length);
        foreach (var segment in segments)
        {
            if (segment == ".")
            {
                continue;
            }

            if (segment == "..")
            {
                reason = "'..' segment";
                return false;
            }

            int dot = segment.IndexOf('.', StringComparison.Ordinal);
            var stem = (dot < 0 ? segment : segment[..dot]).TrimEnd(' ');
            if (s_deviceNames.Contains(stem))
            {
                reason = $"device name '{segment}'";
                return false;
            }

            kept.Add(segment);
        }

        if (kept.Count == 0)
        {
            reason = "names the root itself";
            return false;
        }

        normalized = string.Join('/', kept);
        reason = string.Empty;
        return true;
    }
}
