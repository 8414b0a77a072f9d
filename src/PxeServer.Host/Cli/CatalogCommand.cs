using System.CommandLine;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using PxeServer.Catalog.Editing;
using PxeServer.Catalog.Loading;
using PxeServer.Catalog.Model;
using PxeServer.Catalog.Planning;
using PxeServer.Dhcp;
using PxeServer.Host.Configuration;
using PxeServer.Host.Hosting;

namespace PxeServer.Host.Cli;

/// <summary><c>pxe catalog list|show|add|verify|remove|gc</c>: maintains the boot-image catalog (docs/catalog.md).</summary>
internal static class CatalogCommand
{
    private const long ProgressThreshold = 8L << 20; // progress bar for files over 8 MiB

    public static Command Create()
    {
        var command = new Command("catalog", "Maintain the boot-image catalog: profiles (kernel, initrds, command line, loaders) with sha256 of every file.");
        command.Subcommands.Add(List());
        command.Subcommands.Add(Show());
        command.Subcommands.Add(Add());
        command.Subcommands.Add(Verify());
        command.Subcommands.Add(Remove());
        command.Subcommands.Add(Gc());
        return command;
    }

    private static Command List()
    {
        var common = new CatalogCli();
        var command = new Command("list", "List the profiles.");
        common.AddTo(command);
        command.SetAction((parse, ct) => common.RunAsync(parse, (ctx) =>
        {
            var s = ctx.Editor.Load();
            var profiles = s.Profiles.Values.OrderBy(p => p.Name, StringComparer.Ordinal).ToList();
            if (ctx.Json)
            {
                ctx.WriteJson(new JsonArray([.. profiles.Select(p => ProfileJson(s, p))]));
                return ExitCodes.Success;
            }

            if (profiles.Count == 0)
            {
                ctx.Out.WriteLine($"No profiles in {s.Directory}. Add one with 'pxe catalog add NAME --kernel FILE --initrd FILE --cmdline TEXT'.");
                return ExitCodes.Success;
            }

            ctx.WriteTable(
                ["NAME", "CHAIN", "KERNEL", "INITRDS", "USED BY", "DESCRIPTION"],
                profiles.Select(p => new[]
                {
                    p.Name, Architectures.Key(p.Chain), p.Kernel.Path, p.Initrds.Count.ToString(CultureInfo.InvariantCulture),
                    s.UsersOf(p.Name).Count.ToString(CultureInfo.InvariantCulture), p.Description ?? string.Empty,
                }));
            return ExitCodes.Success;
        }, ct));
        return command;
    }

    private static Command Show()
    {
        var common = new CatalogCli();
        var name = new Argument<string>("NAME") { Description = "Profile name." };
        var command = new Command("show", "Show one profile: files, checksums, command line, loader per architecture, who uses it.") { name };
        common.AddTo(command);
        command.SetAction((parse, ct) => common.RunAsync(parse, (ctx) =>
        {
            var s = ctx.Editor.Load();
            string n = parse.GetValue(name)!;
            if (!s.Profiles.TryGetValue(n, out var p))
            {
                ctx.Err.WriteLine($"pxe catalog show: no profile named '{n}'");
                return ExitCodes.RuntimeFailure;
            }

            if (ctx.Json)
            {
                ctx.WriteJson(ProfileJson(s, p));
                return ExitCodes.Success;
            }

            var o = ctx.Out;
            o.WriteLine($"Profile:      {p.Name}");
            o.WriteLine($"Description:  {p.Description}");
            o.WriteLine($"Chain:        {Architectures.Key(p.Chain)}");
            o.WriteLine($"Command line: {p.Cmdline}{(p.BootIf ? " (+ BOOTIF=01-<mac>)" : string.Empty)}");
            var users = s.UsersOf(p.Name);
            o.WriteLine($"Used by:      {(users.Count == 0 ? "(nothing)" : string.Join(", ", users))}");
            o.WriteLine();
            ctx.WriteTable(["FILE", "ROLE", "SHA256", "PRESENT"],
                new[] { (p.Kernel, "kernel") }.Concat(p.Initrds.Select(i => (i, "initrd")))
                    .Concat(p.Loaders.OrderBy(l => l.Key).Select(l => (l.Value, "loader " + Architectures.Key(l.Key))))
                    .Select(t => new[] { t.Item1.Path, t.Item2, t.Item1.Sha256 ?? "-", t.Item1.IsUrl ? "url" : s.IsPresent(t.Item1.Path) ? "yes" : "NO" }));
            o.WriteLine();
            ctx.WriteTable(["ARCH", "OPTION 93", "LOADER", "SOURCE"], Architectures.All.Select(a =>
            {
                var (loader, source) = LoaderFor(s, p, a);
                return new[] { Architectures.Key(a), OptionValues(a), loader ?? "-", source };
            }));
            return ExitCodes.Success;
        }, ct));
        return command;
    }

    private static Command Add()
    {
        var common = new CatalogCli();
        var name = new Argument<string>("NAME") { Description = "Profile name ([a-z0-9][a-z0-9._-]*)." };
        var kernel = new Option<string>("--kernel") { Description = "Kernel image to copy in.", HelpName = "FILE", Required = true };
        var initrd = new Option<string[]>("--initrd") { Description = "Initrd to copy in (repeat for several, in load order).", HelpName = "FILE" };
        var cmdline = new Option<string>("--cmdline")
        {
            Description = "Kernel command line; ${mac} ${ip} ${hostname} ${profile} ${server} are expanded per client.",
            HelpName = "TEXT",
            Required = true,
        };
        var description = new Option<string?>("--description") { Description = "Free text.", HelpName = "TEXT" };
        var chain = new Option<string>("--chain") { Description = "Boot chain: ipxe (default) or syslinux.", HelpName = "CHAIN", DefaultValueFactory = _ => "ipxe" };
        chain.AcceptOnlyFromAmong("ipxe", "syslinux");
        var noBootIf = new Option<bool>("--no-bootif") { Description = "Do not append BOOTIF=01-<mac> to the command line." };
        var loaderBios = new Option<string?>("--loader-bios") { Description = "Own loader for BIOS clients (option 93 = 0).", HelpName = "FILE" };
        var loaderEfi = new Option<string?>("--loader-efi") { Description = "Own loader for x64 UEFI clients (option 93 = 7, 9).", HelpName = "FILE" };
        var force = new Option<bool>("--force") { Description = "Replace the profile if it exists." };
        var command = new Command("add", """
            Create (with --force: replace) a profile: copies the files into files/NAME/ (atomically, with their sha256; a progress bar
            for large files on a terminal) and writes profiles/NAME.yaml.
            """)
        {
            name, kernel, initrd, cmdline, description, chain, noBootIf, loaderBios, loaderEfi, force,
        };
        common.AddTo(command);
        command.SetAction((parse, ct) => common.RunAsync(parse, (ctx) =>
        {
            var loaders = new Dictionary<LoaderArchitecture, string>();
            if (parse.GetValue(loaderBios) is { } lb)
            {
                loaders[LoaderArchitecture.Bios] = lb;
            }

            if (parse.GetValue(loaderEfi) is { } le)
            {
                loaders[LoaderArchitecture.EfiX64] = le;
            }

            var chainKind = Architectures.TryParseChain(parse.GetValue(chain), out var c) ? c : BootChain.Ipxe;
            Directory.CreateDirectory(ctx.Editor.Directory);
            var progress = ctx.Progress();
            var (profile, replaced) = ctx.Editor.AddProfile(
                parse.GetValue(name)!, parse.GetValue(kernel)!, parse.GetValue(initrd) ?? [], parse.GetValue(cmdline)!,
                parse.GetValue(description), chainKind, !parse.GetValue(noBootIf), loaders, progress, parse.GetValue(force));
            ctx.EndProgress();
            var s = CatalogLoader.TryLoad(ctx.Editor.Directory, out var snap, out var errors) ? snap : null;
            if (ctx.Json)
            {
                var j = new JsonObject { ["replaced"] = replaced, ["profile"] = s is null ? null : ProfileJson(s, s.Profiles[profile.Name]) };
                ctx.WriteJson(j);
            }
            else
            {
                ctx.Out.WriteLine($"{(replaced ? "Replaced" : "Added")} profile {profile.Name} in {ctx.Editor.Directory}");
                ctx.WriteTable(["FILE", "SHA256"], profile.Files.Select(f => new[] { f.Path, f.Sha256 ?? "-" }));
            }

            if (s is null)
            {
                ctx.Err.WriteLine("pxe catalog add: the profile was written, but the catalog does not load:");
                foreach (var e in errors)
                {
                    ctx.Err.WriteLine("  " + e);
                }

                return ExitCodes.UsageError;
            }

            return ExitCodes.Success;
        }, ct));
        return command;
    }

    private static Command Verify()
    {
        var common = new CatalogCli();
        var name = new Argument<string?>("NAME") { Description = "Only this profile (default: every profile and loaders/SHA256SUMS).", Arity = ArgumentArity.ZeroOrOne };
        var command = new Command("verify", "Re-hash every file; exit 1 listing mismatches and missing files.") { name };
        common.AddTo(command);
        command.SetAction((parse, ct) => common.RunAsync(parse, (ctx) =>
        {
            var (files, problems) = ctx.Editor.Verify(parse.GetValue(name));
            if (ctx.Json)
            {
                ctx.WriteJson(new JsonObject
                {
                    ["ok"] = problems.Count == 0,
                    ["files"] = new JsonArray([.. files.Select(f => (JsonNode)new JsonObject { ["owner"] = f.Owner, ["path"] = f.Path, ["status"] = f.Status, ["size"] = f.Size })]),
                    ["problems"] = new JsonArray([.. problems.Select(p => (JsonNode)new JsonObject
                    {
                        ["owner"] = p.Owner, ["path"] = p.Path, ["problem"] = p.Problem, ["expected"] = p.Expected, ["actual"] = p.Actual,
                    })]),
                });
            }
            else
            {
                ctx.WriteTable(["FILE", "OWNER", "SIZE", "STATUS"], files.Select(f => new[] { f.Path, f.Owner, f.Size.ToString(CultureInfo.InvariantCulture), f.Status }));
                ctx.Out.WriteLine(problems.Count == 0 ? $"OK: {files.Count} file(s) verified." : $"FAILED: {problems.Count} problem(s).");
            }

            foreach (var p in problems)
            {
                ctx.Err.WriteLine(p.Problem == "missing"
                    ? $"missing:  {p.Path} ({p.Owner})"
                    : $"mismatch: {p.Path} ({p.Owner}): expected sha256 {p.Expected}, got {p.Actual}");
            }

            return problems.Count == 0 ? ExitCodes.Success : ExitCodes.RuntimeFailure;
        }, ct));
        return command;
    }

    private static Command Remove()
    {
        var common = new CatalogCli();
        var name = new Argument<string>("NAME") { Description = "Profile name." };
        var force = new Option<bool>("--force") { Description = "Also remove the hosts and rules that use it." };
        var command = new Command("remove", "Remove a profile (refused while hosts or rules use it, unless --force). Its files stay until 'pxe catalog gc'.") { name, force };
        common.AddTo(command);
        command.SetAction((parse, ct) => common.RunAsync(parse, (ctx) =>
        {
            string n = parse.GetValue(name)!;
            var removedUsers = ctx.Editor.RemoveProfile(n, parse.GetValue(force));
            if (ctx.Json)
            {
                ctx.WriteJson(new JsonObject { ["removed"] = n, ["alsoRemoved"] = new JsonArray([.. removedUsers.Select(u => (JsonNode)u)]) });
            }
            else
            {
                ctx.Out.WriteLine($"Removed profile {n}" + (removedUsers.Count > 0 ? $" and {string.Join(", ", removedUsers)}" : string.Empty) + ". Run 'pxe catalog gc' to delete its files.");
            }

            return ExitCodes.Success;
        }, ct));
        return command;
    }

    private static Command Gc()
    {
        var common = new CatalogCli();
        var dryRun = new Option<bool>("--dry-run") { Description = "Only list what would be deleted." };
        var command = new Command("gc", "Delete files under files/ that no profile references.") { dryRun };
        common.AddTo(command);
        command.SetAction((parse, ct) => common.RunAsync(parse, (ctx) =>
        {
            bool dry = parse.GetValue(dryRun);
            var garbage = ctx.Editor.CollectGarbage(dry);
            if (ctx.Json)
            {
                ctx.WriteJson(new JsonObject { ["dryRun"] = dry, ["files"] = new JsonArray([.. garbage.Select(g => (JsonNode)g)]) });
                return ExitCodes.Success;
            }

            foreach (var g in garbage)
            {
                ctx.Out.WriteLine((dry ? "would delete " : "deleted ") + g);
            }

            ctx.Out.WriteLine(garbage.Count == 0 ? "Nothing to collect." : $"{garbage.Count} file(s) {(dry ? "would be " : string.Empty)}deleted.");
            return ExitCodes.Success;
        }, ct));
        return command;
    }

    internal static (string? Loader, string Source) LoaderFor(CatalogSnapshot s, BootProfile p, LoaderArchitecture a)
    {
        if (p.Loaders.TryGetValue(a, out var f))
        {
            return (f.Path, "profile");
        }

        if (Architectures.TryGetDefaultLoader(p.Chain, a, out var d))
        {
            return (d, s.IsPresent(d) ? "default" : "default (NOT INSTALLED)");
        }

        return (null, "none: refused");
    }

    internal static string OptionValues(LoaderArchitecture a) => a switch
    {
        LoaderArchitecture.Bios => "0",
        LoaderArchitecture.EfiIa32 => "6",
        LoaderArchitecture.EfiX64 => "7, 9",
        LoaderArchitecture.EfiArm32 => "10",
        LoaderArchitecture.EfiArm64 => "11",
        LoaderArchitecture.HttpX64 => "16",
        LoaderArchitecture.HttpArm64 => "19",
        _ => "?",
    };

    private static JsonObject ProfileJson(CatalogSnapshot s, BootProfile p)
    {
        static JsonObject FileJson(CatalogSnapshot s, CatalogFile f) => new()
        {
            ["path"] = f.Path,
            ["sha256"] = f.Sha256,
            ["present"] = f.IsUrl || s.IsPresent(f.Path),
        };

        var loaders = new JsonObject();
        foreach (var a in Architectures.All)
        {
            var (loader, source) = LoaderFor(s, p, a);
            loaders[Architectures.Key(a)] = new JsonObject { ["path"] = loader, ["source"] = source };
        }

        return new JsonObject
        {
            ["name"] = p.Name,
            ["description"] = p.Description,
            ["chain"] = Architectures.Key(p.Chain),
            ["cmdline"] = p.Cmdline,
            ["bootif"] = p.BootIf,
            ["kernel"] = FileJson(s, p.Kernel),
            ["initrds"] = new JsonArray([.. p.Initrds.Select(i => (JsonNode)FileJson(s, i))]),
            ["loaders"] = loaders,
            ["usedBy"] = new JsonArray([.. s.UsersOf(p.Name).Select(u => (JsonNode)u)]),
        };
    }
}

/// <summary>What a catalog/hosts/explain action gets: the editor, output writers and the settings used.</summary>
internal sealed class CatalogCliContext
{
    private static readonly JsonSerializerOptions s_json = new() { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
    private bool _progressShown;

    public required CatalogEditor Editor { get; init; }

    public required TextWriter Out { get; init; }

    public required TextWriter Err { get; init; }

    public required bool Json { get; init; }

    /// <summary>The configuration, when one was read (explain uses dhcp.unknownClients, catalog.defaultProfile, server.address).</summary>
    public PxeSettings? Settings { get; init; }

    public void WriteJson(JsonNode node) => Out.WriteLine(node.ToJsonString(s_json));

    /// <summary>A plain text table: columns padded to the widest cell, two spaces apart.</summary>
    public void WriteTable(string[] headers, IEnumerable<string[]> rows)
    {
        var all = rows.ToList();
        var widths = headers.Select((h, i) => Math.Max(h.Length, all.Count == 0 ? 0 : all.Max(r => r[i].Length))).ToArray();
        var sb = new StringBuilder();
        void Line(string[] cells)
        {
            sb.Clear();
            for (int i = 0; i < cells.Length; i++)
            {
                sb.Append(i == cells.Length - 1 ? cells[i] : cells[i].PadRight(widths[i] + 2));
            }

            Out.WriteLine(sb.ToString().TrimEnd());
        }

        Line(headers);
        foreach (var r in all)
        {
            Line(r);
        }
    }

    /// <summary>A progress callback that draws a bar on a terminal for large files, else null.</summary>
    public Action<string, long, long>? Progress()
    {
        if (!ReferenceEquals(Err, Console.Error) || Console.IsErrorRedirected)
        {
            return null;
        }

        long lastDrawn = -1;
        return (path, done, total) =>
        {
            if (total < (8L << 20))
            {
                return;
            }

            long pct = total == 0 ? 100 : done * 100 / total;
            if (pct == lastDrawn && done != total)
            {
                return;
            }

            lastDrawn = pct;
            int filled = (int)(pct * 30 / 100);
            Err.Write(string.Create(CultureInfo.InvariantCulture,
                $"\r  {path} [{new string('#', filled)}{new string('.', 30 - filled)}] {pct,3}% {done / 1048576.0:F1}/{total / 1048576.0:F1} MiB"));
            _progressShown = true;
            if (done == total)
            {
                Err.WriteLine();
                lastDrawn = -1;
            }
        };
    }

    public void EndProgress()
    {
        if (_progressShown)
        {
            Err.Flush();
        }
    }
}

/// <summary>The options every catalog command shares: <c>--catalog</c>, <c>--config</c>, <c>--json</c>.</summary>
internal sealed class CatalogCli
{
    private readonly Option<string?> _catalog = new("--catalog")
    {
        Description = "Catalog directory (default: catalog.path from the configuration, else ./boot-images).",
        HelpName = "DIR",
    };

    private readonly Option<string?> _config = ConfigCliOptions.CreateConfigOption();
    private readonly Option<bool> _json = new("--json") { Description = "Print JSON instead of tables." };

    public void AddTo(Command command)
    {
        command.Options.Add(_catalog);
        command.Options.Add(_config);
        command.Options.Add(_json);
    }

    /// <summary>
    /// Resolves the catalog and runs <paramref name="action"/>. Catalog load errors and refused edits exit
    /// <see cref="ExitCodes.UsageError"/> / <see cref="ExitCodes.RuntimeFailure"/> with a message, never a stack trace.
    /// </summary>
    public Task<int> RunAsync(ParseResult parse, Func<CatalogCliContext, int> action, CancellationToken ct)
    {
        _ = ct;
        var stdout = parse.InvocationConfiguration.Output;
        var stderr = parse.InvocationConfiguration.Error;
        string? dir = parse.GetValue(_catalog);
        string? configFile = parse.GetValue(_config);
        PxeSettings? settings = null;
        if (configFile is not null || dir is null || File.Exists(PxeConfigLoader.DefaultConfigFile))
        {
            settings = ConfigCliOptions.TryLoad(configFile, null, stderr);
            if (settings is null)
            {
                return Task.FromResult(ExitCodes.UsageError);
            }
        }

        dir ??= settings?.Catalog.Path ?? "boot-images";
        var ctx = new CatalogCliContext
        {
            Editor = new CatalogEditor(dir),
            Out = stdout,
            Err = stderr,
            Json = parse.GetValue(_json),
            Settings = settings,
        };
        string name = parse.CommandResult.Command.Name;
        string verb = parse.CommandResult.Parent is System.CommandLine.Parsing.CommandResult p && p.Command is not RootCommand
            ? $"pxe {p.Command.Name} {name}"
            : $"pxe {name}";
        try
        {
            return Task.FromResult(action(ctx));
        }
        catch (CatalogLoadException e)
        {
            stderr.WriteLine($"{verb}: the catalog in '{dir}' is invalid:");
            foreach (var err in e.Errors)
            {
                stderr.WriteLine("  " + err);
            }

            return Task.FromResult(ExitCodes.UsageError);
        }
        catch (CatalogEditException e)
        {
            stderr.WriteLine($"{verb}: {e.Message}");
            return Task.FromResult(ExitCodes.RuntimeFailure);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            stderr.WriteLine($"{verb}: {e.Message}");
            return Task.FromResult(ExitCodes.RuntimeFailure);
        }
    }

    /// <summary>The planner options explain uses: configuration, overridden by flags.</summary>
    public static BootPlannerOptions PlannerOptions(PxeSettings? settings, IPAddress? server) => new()
    {
        DefaultProfile = settings?.Catalog.DefaultProfile,
        UnknownClients = settings?.Dhcp.UnknownClients == UnknownClientPolicy.Default ? UnknownClientAction.DefaultProfile : UnknownClientAction.Ignore,
        ServerAddress = server ?? (settings is null ? null : ServiceWiring.EffectiveServerAddress(settings)),
    };
}
