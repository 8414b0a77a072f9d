using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;

namespace PxeServer.Host.Cli;

/// <summary>
/// <c>pxe --help</c> lists each command on one line (the first sentence of its description), so the overview
/// stays readable; <c>pxe COMMAND --help</c> is System.CommandLine's full help.
/// </summary>
internal sealed class RootHelpAction : SynchronousCommandLineAction
{
    private readonly CommandLineAction _full;

    private RootHelpAction(CommandLineAction full) => _full = full;

    /// <summary>Replaces the help action of <paramref name="root"/>'s help option.</summary>
    public static void Install(RootCommand root)
    {
        var help = root.Options.OfType<HelpOption>().Single();
        help.Action = new RootHelpAction(help.Action!);
    }

    public override int Invoke(ParseResult parseResult)
    {
        if (parseResult.CommandResult.Command is not RootCommand root)
        {
            return _full is SynchronousCommandLineAction sync ? sync.Invoke(parseResult) : ExitCodes.Success;
        }

        var o = parseResult.InvocationConfiguration.Output;
        o.WriteLine(root.Description);
        o.WriteLine();
        o.WriteLine("Usage: pxe COMMAND [options]");
        o.WriteLine();
        o.WriteLine("Commands:");
        int width = root.Subcommands.Max(c => c.Name.Length) + 2;
        foreach (var c in root.Subcommands.Where(c => !c.Hidden))
        {
            o.WriteLine($"  {c.Name.PadRight(width)}{FirstSentence(c.Description)}");
        }

        o.WriteLine();
        o.WriteLine("Options:");
        o.WriteLine("  -h, --help     Show help; 'pxe COMMAND --help' shows a command's options in full.");
        o.WriteLine("  --version      Show the version.");
        o.WriteLine();
        o.WriteLine("Exit codes: 0 success, 1 runtime failure, 2 usage or configuration error.");
        o.WriteLine("Configuration: config/pxeserver.yaml (every key documented there); see README.md.");
        return ExitCodes.Success;
    }

    private static string FirstSentence(string? description)
    {
        if (string.IsNullOrWhiteSpace(description))
        {
            return string.Empty;
        }

        string flat = string.Join(' ', description.Split((char[])['\n', '\r'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        int end = -1;
        foreach (var stop in (string[])[". "])
        {
            int i = flat.IndexOf(stop, StringComparison.Ordinal);
            if (i >= 0 && (end < 0 || i < end))
            {
                end = i;
            }
        }

        string first = end < 0 ? flat.TrimEnd('.') : flat[..end];
        const int Max = 112;
        if (first.Length <= Max)
        {
            return first;
        }

        int cut = first.LastIndexOf(' ', Max);
        return first[..(cut > 0 ? cut : Max)].TrimEnd(',', ' ') + " ...";
    }
}
