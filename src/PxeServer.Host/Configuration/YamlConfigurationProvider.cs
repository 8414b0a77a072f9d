using Microsoft.Extensions.Configuration;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace PxeServer.Host.Configuration;

/// <summary>
/// Reads a YAML file into configuration keys (<c>tftp:port</c>, <c>dhcp:pool:dns:0</c>) and remembers the line
/// each key came from, so that configuration errors can point at the file and line.
/// </summary>
internal sealed class YamlConfigurationProvider : ConfigurationProvider
{
    private readonly string _path;

    public YamlConfigurationProvider(string path) => _path = path;

    /// <summary>Key (case-insensitive, ':'-separated) to 1-based line in the file.</summary>
    public Dictionary<string, int> Lines { get; } = new(StringComparer.OrdinalIgnoreCase);

    public override void Load()
    {
        var data = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        Lines.Clear();
        using var reader = new StreamReader(_path);
        var stream = new YamlStream();
        try
        {
            stream.Load(reader);
        }
        catch (YamlException e)
        {
            throw new ConfigException([$"{_path}:{e.Start.Line}: not valid YAML: {Flatten(e)}"]);
        }

        if (stream.Documents.Count > 0 && stream.Documents[0].RootNode is not YamlScalarNode { Value: null or "" })
        {
            if (stream.Documents[0].RootNode is not YamlMappingNode root)
            {
                throw new ConfigException([$"{_path}:{stream.Documents[0].RootNode.Start.Line}: the top level must be a mapping of sections (server:, dhcp:, tftp:, catalog:, kubevirt:)"]);
            }

            Visit(root, null, data);
        }

        Data = data;
    }

    private void Visit(YamlNode node, string? prefix, Dictionary<string, string?> data)
    {
        switch (node)
        {
            case YamlMappingNode map:
                foreach (var (k, v) in map.Children)
                {
                    string key = ((YamlScalarNode)k).Value ?? string.Empty;
                    string full = prefix is null ? key : prefix + ConfigurationPath.KeyDelimiter + key;
                    Lines[full] = (int)k.Start.Line;
                    Visit(v, full, data);
                }

                break;
            case YamlSequenceNode seq:
                for (int i = 0; i < seq.Children.Count; i++)
                {
                    string full = prefix + ConfigurationPath.KeyDelimiter + i;
                    Lines[full] = (int)seq.Children[i].Start.Line;
                    Visit(seq.Children[i], full, data);
                }

                break;
            case YamlScalarNode scalar when prefix is not null:
                // An explicit null (~ or empty) leaves the default in place.
                bool isNull = scalar.Style == ScalarStyle.Plain && scalar.Value is null or "" or "~" or "null";
                data[prefix] = isNull ? null : scalar.Value;
                break;
        }
    }

    private static string Flatten(Exception e) => e.InnerException is null ? e.Message : e.Message + " " + e.InnerException.Message;
}

/// <summary>A YAML file as a configuration source.</summary>
internal sealed class YamlConfigurationSource : IConfigurationSource
{
    public YamlConfigurationSource(string path) => Provider = new YamlConfigurationProvider(path);

    public YamlConfigurationProvider Provider { get; }

    public IConfigurationProvider Build(IConfigurationBuilder builder) => Provider;
}
