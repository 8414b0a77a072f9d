using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace PxeServer.Manifests.Validation;

/// <summary>
/// Reads YAML with YamlDotNet and turns it into <see cref="JsonNode"/> trees the way a Kubernetes client does
/// (YAML 1.2 core schema: plain <c>true</c>, <c>42</c>, <c>null</c> are typed; quoted and block scalars are strings).
/// Plain scalars that a YAML 1.1 reader would type differently (<c>yes</c>, <c>on</c>, <c>12:30</c>, <c>0777</c>)
/// are reported, because the generator must never write them unquoted.
/// </summary>
internal static partial class YamlJson
{
    public static List<JsonNode?> ParseStream(string yaml, List<string> problems)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        return [.. stream.Documents.Select(d => Convert(d.RootNode, "$", problems))];
    }

    public static JsonNode? ParseSingle(string yaml)
    {
        var problems = new List<string>();
        var docs = ParseStream(yaml, problems);
        if (problems.Count > 0 || docs.Count != 1)
        {
            throw new InvalidOperationException($"Expected one clean document: {string.Join("; ", problems)} ({docs.Count} documents)");
        }

        return docs[0];
    }

    private static JsonNode? Convert(YamlNode node, string path, List<string> problems)
    {
        switch (node)
        {
            case YamlMappingNode map:
                var obj = new JsonObject();
                foreach (var (k, v) in map.Children)
                {
                    if (k is not YamlScalarNode { Value: { } key })
                    {
                        problems.Add($"{path}: non-scalar mapping key");
                        continue;
                    }

                    if (obj.ContainsKey(key))
                    {
                        problems.Add($"{path}.{key}: duplicate key");
                        continue;
                    }

                    obj[key] = Convert(v, $"{path}.{key}", problems);
                }

                return obj;
            case YamlSequenceNode seq:
                var arr = new JsonArray();
                int i = 0;
                foreach (var item in seq.Children)
                {
                    arr.Add(Convert(item, $"{path}[{i++}]", problems));
                }

                return arr;
            case YamlScalarNode scalar:
                string text = scalar.Value ?? string.Empty;
                if (scalar.Style != ScalarStyle.Plain)
                {
                    return JsonValue.Create(text);
                }

                if (Yaml11Ambiguous().IsMatch(text))
                {
                    problems.Add($"{path}: plain scalar '{text}' means something else to a YAML 1.1 reader; it must be quoted");
                }

                return ResolvePlain(text);
            default:
                problems.Add($"{path}: unsupported YAML node {node.NodeType}");
                return null;
        }
    }

    /// <summary>YAML 1.2 core schema resolution of a plain scalar.</summary>
    public static JsonNode? ResolvePlain(string text)
    {
        if (text is "" or "~" or "null" or "Null" or "NULL")
        {
            return null;
        }

        if (text is "true" or "True" or "TRUE")
        {
            return JsonValue.Create(true);
        }

        if (text is "false" or "False" or "FALSE")
        {
            return JsonValue.Create(false);
        }

        if (Integer().IsMatch(text) && long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long l))
        {
            return JsonValue.Create(l);
        }

        if (Float().IsMatch(text) && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double d))
        {
            return JsonValue.Create(d);
        }

        if (text.StartsWith("0x", StringComparison.Ordinal) || text.StartsWith("0o", StringComparison.Ordinal) ||
            text is ".inf" or "-.inf" or "+.inf" or ".nan" or ".Inf" or ".NaN" or ".INF" or ".NAN")
        {
            // Numbers in YAML 1.2 that JSON cannot carry as-is: never expected in a manifest.
            return JsonValue.Create("!!number " + text);
        }

        return JsonValue.Create(text);
    }

    [GeneratedRegex(@"^[-+]?[0-9]+$")]
    private static partial Regex Integer();

    [GeneratedRegex(@"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")]
    private static partial Regex Float();

    // YAML 1.1 booleans, sexagesimal numbers, octal 0NNN, numbers with '_' separators.
    [GeneratedRegex(@"^(y|Y|yes|Yes|YES|n|N|no|No|NO|on|On|ON|off|Off|OFF|[-+]?[0-9][0-9_]*(:[0-5]?[0-9])+(\.[0-9_]*)?|[-+]?0[0-7_]+|[-+]?[0-9][0-9_]*_[0-9_]*)$")]
    private static partial Regex Yaml11Ambiguous();
}
