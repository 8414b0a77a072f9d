using System.CommandLine;
using System.Globalization;
using PxeServer.Catalog.Loading;
using PxeServer.Host.Configuration;
using PxeServer.Manifests;

namespace PxeServer.Host.Cli;

/// <summary>
/// <c>pxe manifests</c>: writes the NetworkAttachmentDefinition, one VirtualMachineInstance / VirtualMachine per
/// catalog host and optionally the NodeNetworkConfigurationPolicy, from the same configuration and catalog the
/// daemon uses (docs/manifests.md).
/// </summary>
internal static class ManifestsCommand
{
    public static Command Create()
    {
        var config = ConfigCliOptions.CreateConfigOption();
        var catalog = new Option<string?>("--catalog")
        {
            Description = "Boot-image catalog directory whose hosts.yaml lists the VMs (catalog.path).",
            HelpName = "DIR",
        };
        var macs = new Option<string[]>("--mac", "-m")
        {
            Description = "Only the host(s) with this MAC (repeatable, any spelling); each must be in hosts.yaml. Default: every host.",
            HelpName = "MAC",
            AllowMultipleArgumentsPerToken = true,
        };
        var kind = new Option<string>("--kind")
        {
            Description = "vmi: a VirtualMachineInstance per host (default); vm: a VirtualMachine with spec.runStrategy (kubevirt.runStrategy).",
            HelpName = "KIND",
            DefaultValueFactory = _ => "vmi",
        };
        kind.AcceptOnlyFromAmong("vmi", "vm");
        var flavor = new Option<string?>("--flavor")
        {
            Description = "NAD plugins: openshift-legacy (cnv-bridge + cnv-tuning) or bridge (upstream bridge + tuning). Default: kubevirt.flavor.",
            HelpName = "FLAVOR",
        };
        flavor.AcceptOnlyFromAmong("openshift-legacy", "bridge");
        var withNncp = new Option<bool>("--with-nncp")
        {
            Description = "Also write a NodeNetworkConfigurationPolicy (nmstate.io/v1) that creates the bridge on the nodes (port: kubevirt.bridgePort).",
        };
        var output = new Option<string?>("--output", "-o")
        {
            Description = "Write the YAML stream to FILE instead of stdout (written to a temporary file, then renamed).",
            HelpName = "FILE",
        };
        var check = new Option<bool>("--check")
        {
            Description = "Only cross-check config and catalog (MACs unicast and in hosts.yaml, profiles exist, VLAN 1..4094, DNS-1123 names, unique boot orders); write nothing.",
        };
        var ns = new Option<string?>("--namespace") { Description = "Namespace of the NAD and VMs (kubevirt.namespace).", HelpName = "NS" };
        var bridge = new Option<string?>("--bridge") { Description = "Linux bridge on the nodes (kubevirt.bridge).", HelpName = "BRIDGE" };
        var vlan = new Option<int?>("--vlan") { Description = "Access VLAN, 1..4094 (kubevirt.vlan).", HelpName = "ID" };
        var nadName = new Option<string?>("--nad-name") { Description = "NetworkAttachmentDefinition name (kubevirt.nadName).", HelpName = "NAME" };

        var command = new Command("manifests", """
            Write the KubeVirt / OpenShift Virtualization manifests that PXE-boot VMs from this server, as one
            deterministic multi-document YAML stream (same input, same bytes): the NetworkAttachmentDefinition for
            kubevirt.bridge / kubevirt.vlan, then one VM per host of the catalog's hosts.yaml with the host's MAC on
            the PXE NIC (bootOrder 1) and a container disk (bootOrder 2); EFI hosts get OVMF without Secure Boot
            and an RNG device. Apply with 'oc create -f FILE' or 'kubectl create -f FILE'.
            Every problem is checked before anything is written.
            Exit codes: 0 written (or check passed), 1 the output file cannot be written, 2 a usage, configuration,
            catalog or check problem (each one listed).
            """)
        {
            config, catalog, macs, kind, flavor, withNncp, output, check, ns, bridge, vlan, nadName,
        };

        command.SetAction(async (parse, ct) =>
        {
            var stdout = parse.InvocationConfiguration.Output;
            var stderr = parse.InvocationConfiguration.Error;
            var overrides = new Dictionary<string, ConfigOverride>(StringComparer.OrdinalIgnoreCase);
            void Set(string key, string? value, string flag)
            {
                if (value is not null)
                {
                    overrides[key] = new ConfigOverride(value, flag);
                }
            }

            Set("catalog:path", parse.GetValue(catalog), "--catalog");
            Set("kubevirt:namespace", parse.GetValue(ns), "--namespace");
            Set("kubevirt:bridge", parse.GetValue(bridge), "--bridge");
            Set("kubevirt:vlan", parse.GetValue(vlan)?.ToString(CultureInfo.InvariantCulture), "--vlan");
            Set("kubevirt:nadName", parse.GetValue(nadName), "--nad-name");

            var settings = ConfigCliOptions.TryLoad(parse.GetValue(config), overrides, stderr);
            if (settings is null)
            {
                return ExitCodes.UsageError;
            }

            if (!CatalogLoader.TryLoad(settings.Catalog.Path, out var snapshot, out var catalogErrors))
            {
                await stderr.WriteLineAsync($"pxe manifests: the catalog in '{settings.Catalog.Path}' is invalid ({catalogErrors.Count} problem(s)):");
                foreach (var e in catalogErrors)
                {
                    await stderr.WriteLineAsync("  " + e);
                }

                return ExitCodes.UsageError;
            }

            var request = new ManifestRequest
            {
                KubeVirt = settings.KubeVirt,
                Hosts = snapshot!.Hosts,
                ProfileNames = [.. snapshot.Profiles.Keys],
                Macs = parse.GetValue(macs) ?? [],
                Kind = parse.GetValue(kind) == "vm" ? ManifestKind.Vm : ManifestKind.Vmi,
                Flavor = parse.GetValue(flavor) switch
                {
                    "bridge" => NadFlavor.Bridge,
                    "openshift-legacy" => NadFlavor.OpenshiftLegacy,
                    _ => null,
                },
                WithNncp = parse.GetValue(withNncp),
            };

            var problems = ManifestGenerator.Check(request);
            if (problems.Count > 0)
            {
                await stderr.WriteLineAsync($"pxe manifests: {problems.Count} problem(s); nothing written:");
                foreach (var p in problems)
                {
                    await stderr.WriteLineAsync("  " + p);
                }

                return ExitCodes.UsageError;
            }

            var manifests = ManifestGenerator.Generate(request);
            if (parse.GetValue(check))
            {
                int vms = manifests.Count(m => m.ApiVersion == "kubevirt.io/v1");
                await stdout.WriteLineAsync(
                    $"pxe manifests: check passed: {vms} VM(s), NAD {request.KubeVirt.NadName} on bridge {request.KubeVirt.Bridge} " +
                    $"VLAN {request.KubeVirt.Vlan} ({ConfigFlavor(request.EffectiveFlavor)}), namespace {request.KubeVirt.Namespace}");
                return ExitCodes.Success;
            }

            string yaml = string.Concat(manifests.Select(m => m.Yaml));
            string? file = parse.GetValue(output);
            if (file is null or "-")
            {
                await stdout.WriteAsync(yaml);
                await stdout.FlushAsync(ct);
                return ExitCodes.Success;
            }

            try
            {
                await WriteAtomicallyAsync(file, yaml, ct);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                await stderr.WriteLineAsync($"pxe manifests: cannot write '{file}': {e.Message}");
                return ExitCodes.RuntimeFailure;
            }

            await stderr.WriteLineAsync($"pxe manifests: wrote {manifests.Count} document(s) to {file}; apply with: oc create -f {file}");
            return ExitCodes.Success;
        });
        return command;
    }

    private static string ConfigFlavor(NadFlavor flavor) => PxeConfigLoader.ToKebab(flavor.ToString());

    // Temporary file in the same directory, then rename: a reader never sees half a stream.
    private static async Task WriteAtomicallyAsync(string file, string content, CancellationToken ct)
    {
        string full = Path.GetFullPath(file);
        string temp = Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.{Environment.ProcessId}.tmp");
        try
        {
            await File.WriteAllTextAsync(temp, content, new System.Text.UTF8Encoding(encoderShouldEmitUTF8Identifier: false), ct);
            File.Move(temp, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp))
            {
                File.Delete(temp);
            }
        }
    }
}
