using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace PxeServer.Manifests.Validation;

/// <summary>
/// The schemas of every kind the generator writes, loaded once from <c>Data/</c>: KubeVirt's Swagger for
/// VirtualMachineInstance / VirtualMachine, the NAD and NNCP CRDs for their kinds. <see cref="Validate"/> picks
/// the schema by apiVersion + kind and also checks what the API server checks outside the schema: the name,
/// and namespace presence against the resource's scope.
/// </summary>
internal sealed partial class KubernetesSchemas
{
    private const string ObjectMetaDefinition = "k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta";

    private static readonly Lazy<KubernetesSchemas> s_instance = new(() => new KubernetesSchemas(DataDirectory));

    private readonly OpenApiValidator _validator;
    private readonly JsonObject _definitions;
    private readonly Dictionary<(string ApiVersion, string Kind), Resource> _resources = [];

    private KubernetesSchemas(string dataDirectory)
    {
        var swagger = JsonNode.Parse(File.ReadAllText(Path.Combine(dataDirectory, "kubevirt-swagger.json")))!.AsObject();
        _definitions = swagger["definitions"]!.AsObject();
        _validator = new OpenApiValidator(_definitions);
        _resources[("kubevirt.io/v1", "VirtualMachineInstance")] = new(_definitions["v1.VirtualMachineInstance"]!, Namespaced: true, IsCrd: false, Deprecated: false);
        _resources[("kubevirt.io/v1", "VirtualMachine")] = new(_definitions["v1.VirtualMachine"]!, Namespaced: true, IsCrd: false, Deprecated: false);
        AddCrd(Path.Combine(dataDirectory, "network-attachment-definition-crd.yaml"));
        AddCrd(Path.Combine(dataDirectory, "nmstate-nncp-crd.yaml"));
    }

    public static string DataDirectory => Path.Combine(AppContext.BaseDirectory, "Data");

    public static KubernetesSchemas Instance => s_instance.Value;

    public OpenApiValidator Validator => _validator;

    public JsonObject Definitions => _definitions;

    public IReadOnlyCollection<(string ApiVersion, string Kind)> Kinds => _resources.Keys;

    /// <summary>Every problem with <paramref name="document"/>; empty = valid.</summary>
    public List<string> Validate(JsonNode? document)
    {
        var errors = new List<string>();
        if (document is not JsonObject obj || obj["apiVersion"]?.GetValueKind() != System.Text.Json.JsonValueKind.String ||
            obj["kind"]?.GetValueKind() != System.Text.Json.JsonValueKind.String)
        {
            errors.Add("(root): not an object with string apiVersion and kind");
            return errors;
        }

        string apiVersion = obj["apiVersion"]!.GetValue<string>();
        string kind = obj["kind"]!.GetValue<string>();
        if (!_resources.TryGetValue((apiVersion, kind), out var resource))
        {
            errors.Add($"(root): no schema for {apiVersion} {kind}");
            return errors;
        }

        if (resource.Deprecated)
        {
            errors.Add($"(root): {apiVersion} is a deprecated version of {kind}");
        }

        var rest = obj.DeepClone().AsObject();
        var metadata = rest["metadata"];
        if (resource.IsCrd)
        {
            // For custom resources the API server always accepts apiVersion and kind (checked above) and validates
            // metadata as ObjectMeta, whatever the CRD's schema says about them.
            rest.Remove("metadata");
            rest.Remove("apiVersion");
            rest.Remove("kind");
            _validator.Validate(metadata, _definitions[ObjectMetaDefinition]!, "metadata", errors, 0);
        }

        _validator.Validate(rest, resource.Schema, string.Empty, errors, 0);

        string? name = metadata?["name"]?.GetValue<string>();
        if (name is null || name.Length > 253 || !Dns1123Subdomain().IsMatch(name))
        {
            errors.Add($"metadata.name: '{name}' is not a DNS-1123 subdomain");
        }

        bool hasNamespace = metadata?["namespace"] is not null;
        if (resource.Namespaced && !hasNamespace)
        {
            errors.Add("metadata.namespace: missing for a namespaced resource");
        }
        else if (!resource.Namespaced && hasNamespace)
        {
            errors.Add("metadata.namespace: set on a cluster-scoped resource");
        }

        return errors;
    }

    private void AddCrd(string path)
    {
        var crd = YamlJson.ParseSingle(File.ReadAllText(path))!.AsObject();
        var spec = crd["spec"]!;
        string group = spec["group"]!.GetValue<string>();
        string kind = spec["names"]!["kind"]!.GetValue<string>();
        bool namespaced = spec["scope"]!.GetValue<string>() == "Namespaced";
        foreach (var version in spec["versions"]!.AsArray())
        {
            if (version!["served"]?.GetValue<bool>() != true)
            {
                continue;
            }

            var schema = version["schema"]!["openAPIV3Schema"]!;
            bool deprecated = version["deprecated"]?.GetValue<bool>() == true;
            _resources[($"{group}/{version["name"]!.GetValue<string>()}", kind)] = new(schema, namespaced, IsCrd: true, deprecated);
        }
    }

    [GeneratedRegex(@"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")]
    private static partial Regex Dns1123Subdomain();

    private sealed record Resource(JsonNode Schema, bool Namespaced, bool IsCrd, bool Deprecated);
}
