using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace PxeServer.Manifests.Validation;

/// <summary>
/// Rules KubeVirt's admission webhook enforces beyond the OpenAPI schema, for a VMI or a VM's template: unique
/// interface / network / disk / volume names, every interface paired with a network of the same name and every
/// disk with a volume, boot orders positive and unique across disks and interfaces, MAC syntax, memory requested,
/// and Secure Boot only with SMM.
/// </summary>
internal static partial class KubeVirtSemantics
{
    public static List<string> Validate(JsonNode document)
    {
        var errors = new List<string>();
        string kind = document["kind"]?.GetValue<string>() ?? string.Empty;
        var spec = kind switch
        {
            "VirtualMachineInstance" => document["spec"],
            "VirtualMachine" => document["spec"]?["template"]?["spec"],
            _ => null,
        };
        if (spec is null)
        {
            errors.Add($"{kind}: no instance spec");
            return errors;
        }

        var devices = spec["domain"]?["devices"];
        var interfaces = Names(devices?["interfaces"], "interface", errors);
        var networks = Names(spec["networks"], "network", errors);
        var disks = Names(devices?["disks"], "disk", errors);
        var volumes = Names(spec["volumes"], "volume", errors);
        foreach (var name in interfaces.Except(networks))
        {
            errors.Add($"interface '{name}' has no network of the same name");
        }

        foreach (var name in networks.Except(interfaces))
        {
            errors.Add($"network '{name}' has no interface of the same name");
        }

        foreach (var name in disks.Except(volumes))
        {
            errors.Add($"disk '{name}' has no volume of the same name");
        }

        var bootOrders = new List<long>();
        foreach (var device in ((devices?["interfaces"] as JsonArray) ?? []).Concat((devices?["disks"] as JsonArray) ?? []))
        {
            if (device?["bootOrder"] is JsonValue order)
            {
                bootOrders.Add(order.GetValue<long>());
            }
        }

        if (bootOrders.Any(o => o < 1))
        {
            errors.Add("bootOrder must be > 0");
        }

        foreach (var dup in bootOrders.GroupBy(o => o).Where(g => g.Count() > 1))
        {
            errors.Add($"bootOrder {dup.Key} is not unique");
        }

        foreach (var iface in (devices?["interfaces"] as JsonArray) ?? [])
        {
            if (iface?["macAddress"] is JsonValue mac && !Mac().IsMatch(mac.GetValue<string>()))
            {
                errors.Add($"interface '{iface["name"]}': macAddress '{mac}' is not a MAC");
            }

            var network = ((spec["networks"] as JsonArray) ?? []).FirstOrDefault(n => n?["name"]?.GetValue<string>() == iface?["name"]?.GetValue<string>());
            if (network?["pod"] is not null && iface?["masquerade"] is null && iface?["bridge"] is null)
            {
                errors.Add($"interface '{iface?["name"]}' on the pod network needs masquerade or bridge binding");
            }
        }

        if (spec["domain"]?["resources"]?["requests"]?["memory"] is null && spec["domain"]?["memory"]?["guest"] is null)
        {
            errors.Add("no memory requested (domain.resources.requests.memory or domain.memory.guest)");
        }

        var efi = spec["domain"]?["firmware"]?["bootloader"]?["efi"];
        if (efi is not null && efi["secureBoot"]?.GetValue<bool>() != false && spec["domain"]?["features"]?["smm"]?["enabled"]?.GetValue<bool>() != true)
        {
            errors.Add("EFI Secure Boot (the default when efi is set) needs features.smm.enabled");
        }

        return errors;
    }

    private static List<string> Names(JsonNode? list, string what, List<string> errors)
    {
        var names = ((list as JsonArray) ?? []).Select(i => i?["name"]?.GetValue<string>() ?? string.Empty).ToList();
        foreach (var dup in names.GroupBy(n => n).Where(g => g.Count() > 1))
        {
            errors.Add($"{what} name '{dup.Key}' is not unique");
        }

        return names;
    }

    [GeneratedRegex("^([0-9A-Fa-f]{2}[:-]){5}[0-9A-Fa-f]{2}$")]
    private static partial Regex Mac();
}
