using System.CommandLine;

namespace PxeServer.Host.Cli;

/// <summary>Builds the <c>pxe</c> command tree and runs it with our exit-code contract.</summary>
internal static class PxeCommandLine
{
    /// <summary>The root command with every subcommand.</summary>
    public static RootCommand Build()
    {
        var root = new RootCommand(
            "PxeServer: PXE / DHCP / ProxyDHCP / TFTP server for lab and KubeVirt network booting, " +
            "with a boot-image catalog and a KubeVirt manifest generator.");

        // One line per command; each command lives in its own file in this folder.
        root.Subcommands.Add(ServeCommand.Create());
        root.Subcommands.Add(DemoCommand.Create());
        root.Subcommands.Add(CatalogCommand.Create());
        root.Subcommands.Add(HostsCommand.Create());
        root.Subcommands.Add(ExplainCommand.Create());
        root.Subcommands.Add(ManifestsCommand.Create());
        root.Subcommands.Add(SniffCommand.Create());

        RootHelpAction.Install(root);
        return root;
    }

    /// <summary>Parses and runs; usage errors exit 2 (System.CommandLine would say 1).</summary>
    public static async Task<int> RunAsync(string[] args, TextWriter? stdout = null, TextWriter? stderr = null)
    {
        var root = Build();
        var config = new InvocationConfiguration
        {
            Output = stdout ?? Console.Out,
            Error = stderr ?? Console.Error,

            // The daemon's host handles SIGTERM/SIGINT itself (graceful stop within its shutdown timeout).
            ProcessTerminationTimeout = null,
        };
        var parse = root.Parse(args);
        // --help wins over errors such as a missing required option ('pxe catalog add --help').
        if (parse.Errors.Count > 0 && parse.Action is not (RootHelpAction or System.CommandLine.Help.HelpAction))
        {
            var err = config.Error;
            foreach (var e in parse.Errors)
            {
                await err.WriteLineAsync($"pxe: {e.Message}");
            }

            await err.WriteLineAsync("Run 'pxe --help' (or 'pxe COMMAND --help') for usage.");
            return ExitCodes.UsageError;
        }

        return await parse.InvokeAsync(config);
    }
}
