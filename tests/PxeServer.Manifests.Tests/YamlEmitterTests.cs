using System.Text.Json.Nodes;
using PxeServer.Manifests.Validation;
using PxeServer.Manifests.Yaml;
using Xunit;

namespace PxeServer.Manifests;

public sealed class YamlEmitterTests
{
    public static TheoryData<string> TrickyStrings() => new()
    {
        "yes", "No", "on", "OFF", "y", "n", "null", "~", "", "true", "False", "1024M", "2Gi", "42", "-1", "+1", "0777", "0x1F",
        "1e3", "1_000", ".inf", ".nan", "00:11:22:33:44:55", "de:00:00:00:00:de", "12:30", "a: b", "a:b", "#x", "x #y", "'q'",
        "\"dq\"", "line\nbreak", "tab\there", "unicodé ✓", "@at", "`bt", "%p", "!tag", "&anchor", "*alias", "[a]", "{a}",
        "a,b", "? q", "- x", "-", " lead", "trail ", "back\\slash", "ctrl\u0001", "quay.io/containerdisks/fedora:latest",
        "app.kubernetes.io/managed-by", "k8s.cni.cncf.io/v1", "pxe-net",
    };

    [Theory]
    [MemberData(nameof(TrickyStrings))]
    public void String_RoundTripsAsTheSameString_AsValueAndAsKey(string value)
    {
        var doc = new YamlMap { { "v", value }, { value, "k" }, { "list", new YamlSeq { value } } };
        string yaml = YamlEmitter.Write([doc]);
        var parsed = YamlJson.ParseSingle(yaml)!;
        Assert.Equal(value, parsed["v"]!.GetValue<string>());
        Assert.Equal("k", parsed[value]!.GetValue<string>());
        Assert.Equal(value, parsed["list"]![0]!.GetValue<string>());
    }

    [Fact]
    public void Scalars_KeepTheirTypes()
    {
        var doc = new YamlMap { { "i", 1 }, { "b", false }, { "s", "1" }, { "m", new YamlMap() }, { "l", new YamlSeq() } };
        string yaml = YamlEmitter.Write([doc]);
        Assert.Equal("---\ni: 1\nb: false\ns: \"1\"\nm: {}\nl: []\n", yaml);
        var parsed = YamlJson.ParseSingle(yaml)!;
        Assert.Equal(1, parsed["i"]!.GetValue<long>());
        Assert.False(parsed["b"]!.GetValue<bool>());
        Assert.Equal("1", parsed["s"]!.GetValue<string>());
    }

    [Fact]
    public void Layout_IsKubectlStyle()
    {
        var doc = new YamlMap
        {
            { "a", new YamlMap { { "b", new YamlSeq { new YamlMap { { "c", 1 }, { "d", new YamlMap { { "e", "f" } } } }, new YamlMap() } } } },
            { "g", new YamlSeq { new YamlSeq { "h" } } },
        };
        Assert.Equal("---\na:\n  b:\n  - c: 1\n    d:\n      e: f\n  - {}\ng:\n-\n  - h\n", YamlEmitter.Write([doc]));
    }

    [Theory]
    [InlineData("{\n  \"a\": 1,\n  \"b\": [\n    \"x\"\n  ]\n}")]
    [InlineData("first\n\n  indented after a blank line")]
    [InlineData(" leading space falls back to quotes")]
    [InlineData("trailing newline falls back\n")]
    [InlineData("trailing space \nfalls back")]
    [InlineData("carriage\r\nreturn")]
    public void Literal_RoundTripsExactly(string text)
    {
        var doc = new YamlMap { { "outer", new YamlSeq { new YamlMap { { "config", YamlScalar.Literal(text) } } } } };
        var parsed = YamlJson.ParseSingle(YamlEmitter.Write([doc]))!;
        Assert.Equal(text, parsed["outer"]![0]!["config"]!.GetValue<string>());
    }

    [Fact]
    public void DuplicateKey_IsABugAndThrows() =>
        Assert.Throws<InvalidOperationException>(() => new YamlMap { { "a", 1 }, { "a", 2 } });

    [Fact]
    public void Yaml11AmbiguousPlainScalar_IsReportedByTheTestReader()
    {
        var problems = new List<string>();
        YamlJson.ParseStream("a: yes\nb: 00:11:22:33:44:55\nc: 0777\n", problems);
        Assert.Equal(3, problems.Count);
        Assert.Equal(12, YamlJson.ResolvePlain("12")!.GetValue<long>());
    }
}
