using System.Diagnostics;
using System.Text.Json.Nodes;
using PxeServer.Catalog.Model;
using PxeServer.Manifests.Validation;
using PxeServer.Testing;
using Xunit;

namespace PxeServer.Manifests;

/// <summary>
/// A second, independent reader: PyYAML (YAML 1.1, like go-yaml v2 in older kubectl / oc) must read the stream as
/// exactly the same JSON as our YAML 1.2 reading. Catches any scalar the two YAML versions type differently.
/// Needs python3 and python3-yaml (.ci/packages-manifests.txt).
/// </summary>
public sealed class Yaml11ReaderTests
{
    private const string Script = "import sys, json, yaml\nprint(json.dumps(list(yaml.safe_load_all(sys.stdin.read()))))";

    private static JsonArray ReadWithPyYaml(string yaml)
    {
        string python = Prerequisites.RequireTool("python3", "python3");
        var start = new ProcessStartInfo(python)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(Script);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        process.StandardInput.Write(yaml);
        process.StandardInput.Close();
        Assert.True(process.WaitForExit(30_000), "python3 did not finish");
        string err = stderr.GetAwaiter().GetResult();
        Prerequisites.Require(!err.Contains("No module named 'yaml'", StringComparison.Ordinal), "Python module yaml (Debian package python3-yaml)");
        Assert.True(process.ExitCode == 0, err);
        return JsonNode.Parse(stdout.GetAwaiter().GetResult())!.AsArray();
    }

    [Fact]
    public void PyYaml_ReadsEveryStream_AsTheSameJson()
    {
        var streams = Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "Golden"), "*.yaml").Select(File.ReadAllText).ToList();
        streams.Add(ManifestGenerator.Render(TestInputs.Scenario() with
        {
            Hosts =
            [
                TestInputs.Host("00:11:22:33:44:55", "a"),
                TestInputs.Host("52:54:00:00:00:01", firmware: FirmwareKind.Efi),
            ],
            KubeVirt = new KubeVirtOptions { Memory = "1024", BridgePort = "eth0", Vlan = 12 },
            Kind = ManifestKind.Vm,
            WithNncp = true,
        }));

        // One python run for all streams keeps the test fast.
        var pyDocs = ReadWithPyYaml(string.Concat(streams));
        var problems = new List<string>();
        var ours = YamlJson.ParseStream(string.Concat(streams), problems);
        Assert.Empty(problems);
        Assert.Equal(ours.Count, pyDocs.Count);
        for (int i = 0; i < ours.Count; i++)
        {
            Assert.True(JsonNode.DeepEquals(ours[i], pyDocs[i]), $"document {i}:\nours: {ours[i]?.ToJsonString()}\nPyYAML: {pyDocs[i]?.ToJsonString()}");
        }
    }
}
