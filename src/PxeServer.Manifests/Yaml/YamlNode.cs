using System.Collections;
using System.Globalization;

namespace PxeServer.Manifests.Yaml;

/// <summary>
/// A node of the small YAML document model the generator builds. Mappings keep insertion order, so the
/// order in which the generator adds keys is the order in the output: that, and nothing else, makes the
/// output byte-identical for the same input.
/// </summary>
internal abstract class YamlNode;

/// <summary>How a scalar is typed (and therefore quoted) in the output.</summary>
internal enum YamlScalarKind
{
    /// <summary>A string: plain when unambiguous, double-quoted otherwise.</summary>
    String,

    /// <summary>An integer, always plain.</summary>
    Integer,

    /// <summary><c>true</c> / <c>false</c>, always plain.</summary>
    Boolean,

    /// <summary>A multi-line string written as a literal block (<c>|-</c>) when that is lossless.</summary>
    Literal,
}

/// <summary>A scalar value.</summary>
internal sealed class YamlScalar(YamlScalarKind kind, string text) : YamlNode
{
    public YamlScalarKind Kind { get; } = kind;

    public string Text { get; } = text;

    public static YamlScalar String(string value) => new(YamlScalarKind.String, value);

    public static YamlScalar Integer(long value) => new(YamlScalarKind.Integer, value.ToString(CultureInfo.InvariantCulture));

    public static YamlScalar Boolean(bool value) => new(YamlScalarKind.Boolean, value ? "true" : "false");

    public static YamlScalar Literal(string value) => new(YamlScalarKind.Literal, value);
}

/// <summary>An ordered mapping with string keys; a duplicate key is a bug and throws.</summary>
internal sealed class YamlMap : YamlNode, IEnumerable<KeyValuePair<string, YamlNode>>
{
    private readonly List<KeyValuePair<string, YamlNode>> _entries = [];

    public int Count => _entries.Count;

    public YamlNode? this[string key] => _entries.FirstOrDefault(e => e.Key == key).Value;

    public void Add(string key, YamlNode value)
    {
        if (_entries.Exists(e => e.Key == key))
        {
            throw new InvalidOperationException($"Duplicate YAML key '{key}'.");
        }

        _entries.Add(new(key, value));
    }

    public void Add(string key, string value) => Add(key, YamlScalar.String(value));

    public void Add(string key, long value) => Add(key, YamlScalar.Integer(value));

    public void Add(string key, bool value) => Add(key, YamlScalar.Boolean(value));

    public IEnumerator<KeyValuePair<string, YamlNode>> GetEnumerator() => _entries.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}

/// <summary>An ordered sequence.</summary>
internal sealed class YamlSeq : YamlNode, IEnumerable<YamlNode>
{
    private readonly List<YamlNode> _items = [];

    public int Count => _items.Count;

    public void Add(YamlNode item) => _items.Add(item);

    public void Add(string item) => _items.Add(YamlScalar.String(item));

    public IEnumerator<YamlNode> GetEnumerator() => _items.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
