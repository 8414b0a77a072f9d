using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace PxeServer.Manifests.Validation;

/// <summary>
/// Validates a JSON tree against the subset of OpenAPI (Swagger 2.0 definitions and Kubernetes structural
/// CRD schemas) that the KubeVirt, NAD and NNCP schemas use. Strict: a field the schema does not declare is an
/// error unless the schema allows it (<c>additionalProperties</c>, <c>x-kubernetes-preserve-unknown-fields</c>),
/// as it is for a strict Kubernetes client (server-side field validation). A schema keyword that this validator
/// does not implement is also reported, so that a newer schema can never pass by being half-understood.
/// </summary>
internal sealed class OpenApiValidator(JsonObject? definitions)
{
    // Keywords that constrain nothing we must check: documentation, defaults, merge hints, CEL (not evaluated).
    private static readonly HashSet<string> s_annotations =
    [
        "description", "default", "example", "title", "x-kubernetes-patch-strategy", "x-kubernetes-patch-merge-key",
        "x-kubernetes-map-type", "x-kubernetes-validations", "x-kubernetes-list-type", "x-kubernetes-list-map-keys",
    ];

    private static readonly HashSet<string> s_implemented =
    [
        "$ref", "type", "properties", "additionalProperties", "required", "items", "enum", "format", "nullable",
        "anyOf", "x-kubernetes-preserve-unknown-fields", "x-kubernetes-int-or-string", "maxProperties", "minProperties",
        "minItems", "maxItems", "minimum", "maximum", "pattern", "minLength", "maxLength",
    ];

    private readonly JsonObject? _definitions = definitions;

    public List<string> Validate(JsonNode? value, JsonNode schema, string path = "")
    {
        var errors = new List<string>();
        Validate(value, schema, path, errors, depth: 0);
        return errors;
    }

    public void Validate(JsonNode? value, JsonNode schema, string path, List<string> errors, int depth)
    {
        if (depth > 64)
        {
            errors.Add($"{path}: schema nesting deeper than 64 (recursive $ref?)");
            return;
        }

        if (schema is not JsonObject s)
        {
            errors.Add($"{path}: schema is not an object");
            return;
        }

        if (s["$ref"] is JsonValue refValue)
        {
            // Swagger 2.0: siblings of $ref are ignored (they are only descriptions and defaults here).
            string reference = refValue.GetValue<string>();
            const string Prefix = "#/definitions/";
            if (!reference.StartsWith(Prefix, StringComparison.Ordinal) || _definitions?[reference[Prefix.Length..]] is not JsonObject target)
            {
                errors.Add($"{path}: unresolvable $ref '{reference}'");
                return;
            }

            Validate(value, target, path, errors, depth + 1);
            return;
        }

        foreach (var (keyword, _) in s)
        {
            if (!s_implemented.Contains(keyword) && !s_annotations.Contains(keyword))
            {
                errors.Add($"{path}: schema keyword '{keyword}' is not implemented by the test validator");
            }
        }

        if (value is null)
        {
            if (s["nullable"]?.GetValue<bool>() != true && !TypeNames(s).Contains("null"))
            {
                errors.Add($"{Display(path)}: null is not allowed");
            }

            return;
        }

        if (s["anyOf"] is JsonArray anyOf)
        {
            var branchErrors = new List<string>();
            bool any = false;
            foreach (var branch in anyOf)
            {
                var e = new List<string>();
                Validate(value, branch!, path, e, depth + 1);
                if (e.Count == 0)
                {
                    any = true;
                    break;
                }

                branchErrors.AddRange(e);
            }

            if (!any)
            {
                errors.Add($"{Display(path)}: matches no anyOf branch ({string.Join("; ", branchErrors)})");
            }
        }

        if (!CheckType(value, s, path, errors))
        {
            return;
        }

        if (s["enum"] is JsonArray allowed && !allowed.Any(a => JsonNode.DeepEquals(a, value)))
        {
            errors.Add($"{Display(path)}: '{value.ToJsonString()}' is not one of {allowed.ToJsonString()}");
        }

        switch (value)
        {
            case JsonObject obj:
                ValidateObject(obj, s, path, errors, depth);
                break;
            case JsonArray arr:
                ValidateArray(arr, s, path, errors, depth);
                break;
            default:
                ValidateScalar((JsonValue)value, s, path, errors);
                break;
        }
    }

    // Schema numbers come from System.Text.Json (JSON) or from YamlJson (long/double): read either.
    private static double Num(JsonValue v) =>
        v.TryGetValue<long>(out long l) ? l : v.TryGetValue<double>(out double d) ? d : v.TryGetValue<int>(out int i) ? i : double.NaN;

    private static string Display(string path) => path.Length == 0 ? "(root)" : path;

    private static List<string> TypeNames(JsonObject s) => s["type"] switch
    {
        JsonValue v => [v.GetValue<string>()],
        JsonArray a => [.. a.Select(t => t!.GetValue<string>())],
        _ => [],
    };

    private static bool CheckType(JsonNode value, JsonObject s, string path, List<string> errors)
    {
        var types = TypeNames(s);
        bool intOrString = s["x-kubernetes-int-or-string"]?.GetValue<bool>() == true ||
                           s["format"]?.GetValue<string>() == "int-or-string";
        if (intOrString)
        {
            types.AddRange(["integer", "string"]);
        }

        if (types.Count == 0)
        {
            // Untyped: only structural CRD escape hatches are; treat like "any".
            return true;
        }

        string actual = KindOf(value);
        bool ok = types.Any(t => t == actual || (t == "number" && actual == "integer"));
        if (!ok)
        {
            errors.Add($"{Display(path)}: expected {string.Join(" or ", types.Distinct())}, got {actual} {value.ToJsonString()}");
        }

        return ok;
    }

    internal static string KindOf(JsonNode value) => value switch
    {
        JsonObject => "object",
        JsonArray => "array",
        JsonValue v => v.GetValueKind() switch
        {
            JsonValueKind.String => "string",
            JsonValueKind.True or JsonValueKind.False => "boolean",
            JsonValueKind.Number => v.TryGetValue<long>(out _) ? "integer" : "number",
            _ => "null",
        },
        _ => "unknown",
    };

    private void ValidateObject(JsonObject obj, JsonObject s, string path, List<string> errors, int depth)
    {
        var properties = s["properties"] as JsonObject;
        bool preserveUnknown = s["x-kubernetes-preserve-unknown-fields"]?.GetValue<bool>() == true;
        var additional = s["additionalProperties"];
        foreach (var (key, child) in obj)
        {
            string childPath = path.Length == 0 ? key : $"{path}.{key}";
            if (properties?[key] is JsonObject propertySchema)
            {
                Validate(child, propertySchema, childPath, errors, depth + 1);
            }
            else if (additional is JsonObject additionalSchema)
            {
                Validate(child, additionalSchema, childPath, errors, depth + 1);
            }
            else if (preserveUnknown || (additional is JsonValue b && b.GetValue<bool>()))
            {
                // Free-form by design (e.g. NNCP spec.desiredState).
            }
            else
            {
                errors.Add($"{childPath}: unknown field (the schema declares {(properties is null ? "no fields" : string.Join(", ", properties.Select(p => p.Key)))})");
            }
        }

        foreach (var required in (s["required"] as JsonArray) ?? [])
        {
            string name = required!.GetValue<string>();
            if (!obj.ContainsKey(name))
            {
                errors.Add($"{Display(path)}: required field '{name}' is missing");
            }
        }

        if (s["maxProperties"] is JsonValue max && obj.Count > Num(max))
        {
            errors.Add($"{Display(path)}: more than {max} properties");
        }

        if (s["minProperties"] is JsonValue min && obj.Count < Num(min))
        {
            errors.Add($"{Display(path)}: fewer than {min} properties");
        }
    }

    private void ValidateArray(JsonArray arr, JsonObject s, string path, List<string> errors, int depth)
    {
        if (s["items"] is JsonObject items)
        {
            for (int i = 0; i < arr.Count; i++)
            {
                Validate(arr[i], items, $"{path}[{i}]", errors, depth + 1);
            }
        }

        if (s["minItems"] is JsonValue min && arr.Count < Num(min))
        {
            errors.Add($"{Display(path)}: fewer than {min} items");
        }

        if (s["maxItems"] is JsonValue max && arr.Count > Num(max))
        {
            errors.Add($"{Display(path)}: more than {max} items");
        }

        // x-kubernetes-list-type: map entries are identified by their key fields; set items must be unique.
        string? listType = s["x-kubernetes-list-type"]?.GetValue<string>();
        if (listType == "map" && s["x-kubernetes-list-map-keys"] is JsonArray keys)
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var item in arr)
            {
                string id = string.Join("\u0001", keys.Select(k => item?[k!.GetValue<string>()]?.ToJsonString() ?? "null"));
                if (!seen.Add(id))
                {
                    errors.Add($"{Display(path)}: duplicate entry for list-map keys {keys.ToJsonString()} ({id.Replace('\u0001', ',')})");
                }
            }
        }
        else if (listType == "set")
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var item in arr)
            {
                if (!seen.Add(item?.ToJsonString() ?? "null"))
                {
                    errors.Add($"{Display(path)}: duplicate set item {item?.ToJsonString()}");
                }
            }
        }
    }

    private static void ValidateScalar(JsonValue value, JsonObject s, string path, List<string> errors)
    {
        string? format = s["format"]?.GetValue<string>();
        if (value.TryGetValue<long>(out long n))
        {
            if (format == "int32" && n is < int.MinValue or > int.MaxValue)
            {
                errors.Add($"{Display(path)}: {n} does not fit int32");
            }

            if (s["minimum"] is JsonValue min && n < Num(min))
            {
                errors.Add($"{Display(path)}: {n} is below the minimum {min}");
            }

            if (s["maximum"] is JsonValue max && n > Num(max))
            {
                errors.Add($"{Display(path)}: {n} is above the maximum {max}");
            }
        }

        if (value.GetValueKind() == JsonValueKind.String)
        {
            string text = value.GetValue<string>();
            if (s["pattern"] is JsonValue pattern && !Regex.IsMatch(text, pattern.GetValue<string>()))
            {
                errors.Add($"{Display(path)}: '{text}' does not match {pattern}");
            }

            if (s["minLength"] is JsonValue minLength && text.Length < Num(minLength))
            {
                errors.Add($"{Display(path)}: shorter than {minLength}");
            }

            if (s["maxLength"] is JsonValue maxLength && text.Length > Num(maxLength))
            {
                errors.Add($"{Display(path)}: longer than {maxLength}");
            }

            if (format == "date-time" && !DateTimeOffset.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, out _))
            {
                errors.Add($"{Display(path)}: '{text}' is not a date-time");
            }
        }
    }
}
