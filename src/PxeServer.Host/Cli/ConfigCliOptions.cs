using System.CommandLine;
using PxeServer.Host.Configuration;

namespace PxeServer.Host.Cli;

/// <summary>The <c>--config</c> option and loading settings for any command that reads the configuration file.</summary>
internal static class ConfigCliOptions
{
    /// <summary>A fresh <c>--config</c> option (each command needs its own instance).</summary>
    public static Option<string?> CreateConfigOption() => new("--config", "-c")
    {
        Description = $"YAML configuration file (default: {PxeConfigLoader.DefaultConfigFile} when it exists).",
        HelpName = "FILE",
    };

    /// <summary>
    /// Loads settings; on a configuration error prints every problem to <paramref name="stderr"/> and returns null
    /// (the caller exits <see cref="ExitCodes.UsageError"/>).
    /// </summary>
    public static PxeSettings? TryLoad(string? configFile, IReadOnlyDictionary<string, ConfigOverride>? overrides, TextWriter stderr)
    {
        try
        {
            return PxeConfigLoader.Load(configFile, overrides);
        }
        catch (ConfigException e)
        {
            stderr.WriteLine("pxe: " + e.Message);
            return null;
        }
    }
}
