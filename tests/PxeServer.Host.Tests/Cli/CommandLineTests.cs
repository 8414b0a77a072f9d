using PxeServer.Host.Cli;
using Xunit;

namespace PxeServer.Host.Tests.Cli;

public sealed class CommandLineTests
{
    private static async Task<(int Code, string Out, string Err)> RunAsync(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        int code = await PxeCommandLine.RunAsync(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    [Fact]
    public async Task Help_ListsServe_AndExitsZero()
    {
        var (code, output, _) = await RunAsync("--help");

        Assert.Equal(ExitCodes.Success, code);
        Assert.Contains("serve", output, StringComparison.Ordinal);
        Assert.Contains("PXE", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ServeHelp_DocumentsEveryContractFlag()
    {
        var (code, output, _) = await RunAsync("serve", "--help");

        Assert.Equal(ExitCodes.Success, code);
        foreach (var flag in new[] { "--config", "--interface", "--address", "--dhcp-mode", "--tftp-port", "--tftp-root", "--catalog" })
        {
            Assert.Contains(flag, output, StringComparison.Ordinal);
        }

        Assert.Contains("Exit codes", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("catalog", "add", "--help")]
    [InlineData("hosts", "add", "--help")]
    [InlineData("explain", "--help")]
    [InlineData("manifests", "--help")]
    [InlineData("sniff", "--help")]
    public async Task HelpWins_OverMissingRequiredArguments(params string[] args)
    {
        var (code, output, err) = await RunAsync(args);

        Assert.Equal(ExitCodes.Success, code);
        Assert.Contains("Usage:", output, StringComparison.Ordinal);
        Assert.Equal(string.Empty, err);
    }

    [Fact]
    public async Task RootHelp_ListsEveryCommand_OneLineEach()
    {
        var (_, output, _) = await RunAsync("--help");

        foreach (var command in new[] { "serve", "catalog", "hosts", "explain", "manifests", "sniff", "demo" })
        {
            Assert.Single(output.Split('\n'), l => l.StartsWith("  " + command + " ", StringComparison.Ordinal));
        }
    }

    [Theory]
    [InlineData("no-such-command")]
    [InlineData("serve", "--dhcp-mode", "fulll")]
    [InlineData("serve", "--tftp-port", "abc")]
    [InlineData("serve", "--no-such-flag")]
    public async Task UsageErrors_ExitTwo_WithAHint(params string[] args)
    {
        var (code, _, err) = await RunAsync(args);

        Assert.Equal(ExitCodes.UsageError, code);
        Assert.Contains("pxe --help", err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ServeWithBadConfig_ExitsTwo_ListingEveryProblem_WithoutAStackTrace()
    {
        string file = Path.Combine(Path.GetTempPath(), $"pxe-bad-{Guid.NewGuid():N}.yaml");
        await File.WriteAllTextAsync(file, "dhcp:\n  mode: fulll\ntftp:\n  port: 70000\n", TestContext.Current.CancellationToken);
        try
        {
            var (code, _, err) = await RunAsync("serve", "--config", file);

            Assert.Equal(ExitCodes.UsageError, code);
            Assert.Contains("dhcp.mode: 'fulll'", err, StringComparison.Ordinal);
            Assert.Contains("tftp.port: 70000", err, StringComparison.Ordinal);
            Assert.DoesNotContain("   at ", err, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task ServeWithMissingInterface_ExitsOne_InOneLine()
    {
        var (code, _, err) = await RunAsync("serve", "--dhcp-mode", "off", "--interface", "pxe-nope9", "--config", EmptyConfig());

        Assert.Equal(ExitCodes.RuntimeFailure, code);
        Assert.StartsWith("pxe: no network interface named 'pxe-nope9'", err, StringComparison.Ordinal);
        Assert.Single(err.Trim().Split('\n'));
    }

    [Fact]
    public async Task ServeWithMissingInterfacesInTheList_NamesEveryMissingOne()
    {
        string config = Path.Combine(Path.GetTempPath(), $"pxe-ifs-{Guid.NewGuid():N}.yaml");
        await File.WriteAllTextAsync(config, "server:\n  interface: lo\n  interfaces: [pxe-nope7, pxe-nope8]\ndhcp:\n  mode: off\n", TestContext.Current.CancellationToken);
        try
        {
            var (code, _, err) = await RunAsync("serve", "--config", config);

            Assert.Equal(ExitCodes.RuntimeFailure, code);
            Assert.StartsWith("pxe: no network interfaces named 'pxe-nope7', 'pxe-nope8'", err, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(config);
        }
    }

    private static string EmptyConfig()
    {
        string file = Path.Combine(Path.GetTempPath(), $"pxe-empty-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(file, string.Empty);
        return file;
    }
}
