using System.ComponentModel;
using System.Globalization;
using System.Reflection;
using System.Text;
using Microsoft.Extensions.Configuration;
using PxeServer.Catalog;
using PxeServer.Dhcp;
using PxeServer.Manifests;
using PxeServer.Tftp;
using PxeServer.Transport;

namespace PxeServer.Host.Configuration;

/// <summary>Everything the daemon and the manifest generator read from configuration, validated.</summary>
/// <param name="Server">server:</param>
/// <param name="Dhcp">dhcp:</param>
/// <param name="Tftp">tftp:</param>
/// <param name="Catalog">catalog:</param>
/// <param name="KubeVirt">kubevirt:</param>
/// <param name="ConfigFile">The file read, or null when none was.</param>
public sealed record PxeSettings(
    ServerOptions Server,
    DhcpOptions Dhcp,
    TftpOptions Tftp,
    CatalogOptions Catalog,
    KubeVirtOptions KubeVirt,
    string? ConfigFile);

/// <summary>
/// Loads configuration in layers — the YAML file, then <c>PXE_</c> environment variables
/// (<c>PXE_TFTP__PORT=6969</c>), then command-line flags — checks every key against the options classes
/// (unknown keys, wrong types, bad enum values), binds and validates, and reports ALL problems at once.
/// </summary>
public static class PxeConfigLoader
{
    /// <summary>The file read when <c>--config</c> is not given (if it exists).</summary>
    public const string DefaultConfigFile = "config/pxeserver.yaml";

    /// <summary>Environment variable prefix.</summary>
    public const string EnvironmentPrefix = "PXE_";

    private static readonly (string Name, Type Type)[] s_sections =
    [
        (ServerOptions.SectionName, typeof(ServerOptions)),
        (DhcpOptions.SectionName, typeof(DhcpOptions)),
        (TftpOptions.SectionName, typeof(TftpOptions)),
        (CatalogOptions.SectionName, typeof(CatalogOptions)),
        (KubeVirtOptions.SectionName, typeof(KubeVirtOptions)),
    ];

    /// <summary>
    /// Loads and validates. <paramref name="overrides"/> are configuration keys (<c>tftp:port</c>) set by flags,
    /// each with the flag's name for error messages.
    /// </summary>
    /// <exception cref="ConfigException">Listing every problem found.</exception>
    public static PxeSettings Load(string? configFile, IReadOnlyDictionary<string, ConfigOverride>? overrides = null, bool useEnvironment = true)
    {
        string? file = configFile;
        if (file is null && File.Exists(DefaultConfigFile))
        {
            file = DefaultConfigFile;
        }
        else if (file is not null && !File.Exists(file))
        {
            throw new ConfigException($"--config: '{file}' does not exist");
        }

        overrides ??= new Dictionary<string, ConfigOverride>();
        var builder = new ConfigurationBuilder();
        YamlConfigurationSource? yaml = null;
        if (file is not null)
        {
            yaml = new YamlConfigurationSource(file);
            builder.Add(yaml);
        }

        var envErrors = new List<string>();
        if (useEnvironment)
        {
            builder.AddInMemoryCollection(EnvironmentOverrides(Environment.GetEnvironmentVariables(), envErrors));
        }

        builder.AddInMemoryCollection(overrides.Select(o => new KeyValuePair<string, string?>(o.Key, o.Value.Value)));
        IConfigurationRoot config = builder.Build();

        var errors = new List<string>(envErrors);
        var normalized = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (var section in config.GetChildren())
        {
            var known = s_sections.FirstOrDefault(s => s.Name.Equals(section.Key, StringComparison.OrdinalIgnoreCase));
            if (known.Type is null)
            {
                errors.Add($"{section.Key}: unknown section (known: {string.Join(", ", s_sections.Select(s => s.Name))})");
                continue;
            }

            Check(section, known.Type, known.Name, errors, normalized);
        }

        if (normalized.Count > 0)
        {
            builder.AddInMemoryCollection(normalized);
            config = builder.Build();
        }

        var bound = new Dictionary<Type, object>();
        foreach (var (name, type) in s_sections)
        {
            object options = Activator.CreateInstance(type)!;
            try
            {
                config.GetSection(name).Bind(options);
            }
            catch (InvalidOperationException e)
            {
                errors.Add($"{name}: {e.Message}");
            }

            bound[type] = options;
        }

        // Validate even when some keys were wrong, so that one run lists every problem.
        {
            ((ServerOptions)bound[typeof(ServerOptions)]).Validate(errors);
            ((DhcpOptions)bound[typeof(DhcpOptions)]).Validate(errors);
            ((TftpOptions)bound[typeof(TftpOptions)]).Validate(errors);
            ((CatalogOptions)bound[typeof(CatalogOptions)]).Validate(errors);
            ((KubeVirtOptions)bound[typeof(KubeVirtOptions)]).Validate(errors);
        }

        if (errors.Count > 0)
        {
            throw new ConfigException(errors.Select(e => Locate(e, file, yaml, overrides)).ToList());
        }

        return new PxeSettings(
            (ServerOptions)bound[typeof(ServerOptions)],
            (DhcpOptions)bound[typeof(DhcpOptions)],
            (TftpOptions)bound[typeof(TftpOptions)],
            (CatalogOptions)bound[typeof(CatalogOptions)],
            (KubeVirtOptions)bound[typeof(KubeVirtOptions)],
            file);
    }

    /// <summary>
    /// <c>PXE_SECTION__KEY</c> variables of a known section, as configuration keys. Other <c>PXE_*</c> variables are
    /// not ours (scripts use the prefix too) and are left alone, except the likely typo <c>PXE_TFTP_PORT</c>
    /// (one underscore after a section name), which is reported.
    /// </summary>
    internal static Dictionary<string, string?> EnvironmentOverrides(System.Collections.IDictionary environment, List<string> errors)
    {
        var result = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (System.Collections.DictionaryEntry e in environment)
        {
            if (e.Key is not string name || !name.StartsWith(EnvironmentPrefix, StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            string rest = name[EnvironmentPrefix.Length..];
            int sep = rest.IndexOf("__", StringComparison.Ordinal);
            string first = sep < 0 ? rest : rest[..sep];
            bool known = s_sections.Any(x => x.Name.Equals(first, StringComparison.OrdinalIgnoreCase));
            if (known && sep > 0)
            {
                result[rest.Replace("__", ConfigurationPath.KeyDelimiter, StringComparison.Ordinal)] = e.Value as string;
            }
            else if (s_sections.FirstOrDefault(x => rest.StartsWith(x.Name + "_", StringComparison.OrdinalIgnoreCase)) is { Name: not null } typo)
            {
                errors.Add($"environment variable {name}: use two underscores between levels, e.g. {EnvironmentPrefix}{typo.Name.ToUpperInvariant()}__{rest[(typo.Name.Length + 1)..]}");
            }
        }

        return result;
    }

    /// <summary>The spelling users write for an enum value: <c>OpenshiftLegacy</c> → <c>openshift-legacy</c>.</summary>
    public static string ToKebab(string name)
    {
        var sb = new StringBuilder(name.Length + 4);
        for (int i = 0; i < name.Length; i++)
        {
            if (char.IsUpper(name[i]) && i > 0)
            {
                sb.Append('-');
            }

            sb.Append(char.ToLowerInvariant(name[i]));
        }

        return sb.ToString();
    }

    private static void Check(IConfigurationSection section, Type type, string path, List<string> errors, Dictionary<string, string?> normalized)
    {
        foreach (var child in section.GetChildren())
        {
            string key = path + "." + child.Key;
            var prop = type.GetProperty(child.Key, BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase);
            if (prop is null || !prop.CanWrite)
            {
                var known = type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite).Select(p => CamelCase(p.Name));
                errors.Add($"{key}: unknown key (known: {string.Join(", ", known)})");
                continue;
            }

            CheckValue(child, prop.PropertyType, key, errors, normalized);
        }
    }

    private static void CheckValue(IConfigurationSection child, Type propType, string key, List<string> errors, Dictionary<string, string?> normalized)
    {
        Type t = Nullable.GetUnderlyingType(propType) ?? propType;
        bool hasChildren = child.GetChildren().Any();
        if (t.IsEnum)
        {
            if (hasChildren)
            {
                errors.Add($"{key}: expects one of {EnumChoices(t)}, not a section");
                return;
            }

            if (child.Value is null)
            {
                return;
            }

            string wanted = child.Value.Replace("-", string.Empty, StringComparison.Ordinal).Replace("_", string.Empty, StringComparison.Ordinal);
            string? match = Enum.GetNames(t).FirstOrDefault(n => n.Equals(wanted, StringComparison.OrdinalIgnoreCase));
            if (match is null)
            {
                errors.Add($"{key}: '{child.Value}' is not one of {EnumChoices(t)}");
                normalized[child.Path] = null; // bind the default, so that the other checks still run
            }
            else
            {
                normalized[child.Path] = match;
            }

            return;
        }

        if (t == typeof(string) || t.IsPrimitive || t == typeof(decimal))
        {
            if (hasChildren)
            {
                errors.Add($"{key}: expects a single value, not a section or list");
                return;
            }

            if (child.Value is null || t == typeof(string))
            {
                return;
            }

            var converter = TypeDescriptor.GetConverter(t);
            bool ok;
            try
            {
                ok = converter.ConvertFromInvariantString(child.Value) is not null;
            }
            catch (Exception e) when (e is FormatException or NotSupportedException or ArgumentException or OverflowException)
            {
                ok = false;
            }

            if (!ok)
            {
                errors.Add($"{key}: '{child.Value}' is not {Describe(t)}");
                normalized[child.Path] = null;
            }

            return;
        }

        if (t.IsGenericType && t.GetGenericTypeDefinition() == typeof(List<>))
        {
            if (child.Value is not null && !hasChildren)
            {
                errors.Add($"{key}: expects a list (e.g. [{child.Value}])");
                return;
            }

            Type element = t.GetGenericArguments()[0];
            foreach (var item in child.GetChildren())
            {
                CheckValue(item, element, $"{key}[{item.Key}]", errors, normalized);
            }

            return;
        }

        if (child.Value is not null && !hasChildren)
        {
            errors.Add($"{key}: expects a section, not the value '{child.Value}'");
            return;
        }

        Check(child, t, key, errors, normalized);
    }

    private static string EnumChoices(Type t) => string.Join(", ", Enum.GetNames(t).Select(ToKebab));

    private static string Describe(Type t) => t == typeof(bool) ? "true or false"
        : t == typeof(int) || t == typeof(long) ? "a whole number"
        : "a valid " + t.Name;

    private static string CamelCase(string s) => char.ToLowerInvariant(s[0]) + s[1..];

    /// <summary>Prefixes an error with where its key came from: <c>file:line</c>, a flag, or the environment.</summary>
    private static string Locate(string error, string? file, YamlConfigurationSource? yaml, IReadOnlyDictionary<string, ConfigOverride> overrides)
    {
        int colon = error.IndexOf(": ", StringComparison.Ordinal);
        if (colon <= 0)
        {
            return error;
        }

        string configKey = error[..colon].Replace("[", ".", StringComparison.Ordinal).Replace("]", string.Empty, StringComparison.Ordinal).Replace('.', ':');
        foreach (var (k, o) in overrides)
        {
            if (k.Equals(configKey, StringComparison.OrdinalIgnoreCase))
            {
                return $"{error} (from {o.Source})";
            }
        }

        string envName = EnvironmentPrefix + configKey.Replace(":", "__", StringComparison.Ordinal).ToUpperInvariant();
        if (Environment.GetEnvironmentVariable(envName) is not null)
        {
            return $"{error} (from environment variable {envName})";
        }

        if (yaml is not null && yaml.Provider.Lines.TryGetValue(configKey, out int line))
        {
            return $"{file}:{line.ToString(CultureInfo.InvariantCulture)}: {error}";
        }

        return error;
    }
}

/// <summary>A configuration value set by a command-line flag.</summary>
/// <param name="Value">The value.</param>
/// <param name="Source">The flag, for messages (e.g. <c>--tftp-port</c>).</param>
public readonly record struct ConfigOverride(string? Value, string Source);
