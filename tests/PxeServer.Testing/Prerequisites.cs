using Xunit;

namespace PxeServer.Testing;

/// <summary>
/// Tests that need something from outside (a Debian tool, root, QEMU) ask for it here. Under
/// <c>CI=true</c> a missing prerequisite FAILS the test; elsewhere it skips with the reason.
/// </summary>
public static class Prerequisites
{
    private static readonly string[] s_extraPaths = ["/usr/sbin", "/sbin", "/usr/local/sbin", "/usr/bin", "/bin"];

    /// <summary>True when running in CI (<c>CI=true</c>).</summary>
    public static bool InCi => Environment.GetEnvironmentVariable("CI") is { } v &&
        (v.Equals("true", StringComparison.OrdinalIgnoreCase) || v == "1");

    /// <summary>Fails (CI) or skips (elsewhere) unless <paramref name="condition"/> holds.</summary>
    public static void Require(bool condition, string what)
    {
        if (condition)
        {
            return;
        }

        if (InCi)
        {
            Assert.Fail($"Prerequisite missing under CI=true: {what}. .ci/run should have installed it.");
        }

        Assert.Skip($"Prerequisite missing: {what}");
    }

    /// <summary>Returns the full path of <paramref name="tool"/> from PATH or the sbin directories, or fails/skips.</summary>
    public static string RequireTool(string tool, string? package = null)
    {
        string? path = FindTool(tool);
        Require(path is not null, $"'{tool}' not found" + (package is null ? string.Empty : $" (Debian package {package})"));
        return path!;
    }

    /// <summary>Looks <paramref name="tool"/> up on PATH and the sbin directories.</summary>
    public static string? FindTool(string tool)
    {
        if (tool.Contains('/'))
        {
            return File.Exists(tool) ? tool : null;
        }

        var dirs = (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(':', StringSplitOptions.RemoveEmptyEntries).Concat(s_extraPaths);
        foreach (var dir in dirs)
        {
            var candidate = Path.Combine(dir, tool);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    /// <summary>True when the process runs as root (uid 0).</summary>
    public static bool IsRoot => Environment.UserName == "root" || Environment.GetEnvironmentVariable("USER") == "root";

    /// <summary>Fails (CI) or skips unless running as root.</summary>
    public static void RequireRoot(string why) => Require(IsRoot, $"root ({why})");
}
