using System.Diagnostics;
using System.Text;

namespace PxeServer.EndToEndTests.Harness;

/// <summary>Runs the lab scripts and other tools; every child process is tracked and ended by its id.</summary>
internal static class Shell
{
    /// <summary>The repository root: the first ancestor of the test binaries that has scripts/lab.sh.</summary>
    public static string RepoRoot { get; } = FindRepoRoot();

    public static string LabScript => Path.Combine(RepoRoot, "scripts", "lab.sh");

    private static string FindRepoRoot()
    {
        var env = Environment.GetEnvironmentVariable("LAB_REPO_ROOT");
        if (!string.IsNullOrEmpty(env))
        {
            return env;
        }

        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "scripts", "lab.sh")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("scripts/lab.sh not found above " + AppContext.BaseDirectory);
    }

    /// <summary>Runs a command to completion; returns exit code and both streams.</summary>
    public static async Task<(int Code, string Stdout, string Stderr)> RunAsync(
        string file, IEnumerable<string> args, TimeSpan timeout, IDictionary<string, string>? env = null)
    {
        using var p = Start(file, args, env);
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await p.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', args)} did not finish in {timeout.TotalSeconds:0} s");
        }

        return (p.ExitCode, await stdout, await stderr);
    }

    /// <summary>Runs lab.sh with arguments; throws with its output on failure.</summary>
    public static async Task<string> LabAsync(TimeSpan timeout, params string[] args)
    {
        var (code, stdout, stderr) = await RunAsync(LabScript, args, timeout, PxeEnvironment());
        if (code != 0)
        {
            throw new InvalidOperationException($"lab.sh {string.Join(' ', args)} exited {code}:\n{stdout}\n{stderr}");
        }

        return stdout;
    }

    /// <summary>Starts a process with redirected output.</summary>
    public static Process Start(string file, IEnumerable<string> args, IDictionary<string, string>? env = null)
    {
        var psi = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        if (env is not null)
        {
            foreach (var (k, v) in env)
            {
                psi.Environment[k] = v;
            }
        }

        return Process.Start(psi) ?? throw new InvalidOperationException("cannot start " + file);
    }

    /// <summary>How lab.sh runs our server: the pxe assembly built next to these tests.</summary>
    public static Dictionary<string, string> PxeEnvironment()
    {
        var env = new Dictionary<string, string>();
        if (Environment.GetEnvironmentVariable("PXE") is { Length: > 0 } pxe)
        {
            env["PXE"] = pxe;
            return env;
        }

        string apphost = Path.Combine(AppContext.BaseDirectory, "pxe");
        string dll = Path.Combine(AppContext.BaseDirectory, "pxe.dll");
        if (File.Exists(apphost))
        {
            env["PXE"] = apphost;
        }
        else if (File.Exists(dll))
        {
            string dotnet = Environment.ProcessPath is { } pp && Path.GetFileNameWithoutExtension(pp) == "dotnet" ? pp : "dotnet";
            env["PXE"] = $"{dotnet} exec {dll}";
        }

        return env;
    }

    /// <summary>Sends SIGINT (tcpdump flushes and exits), then kills after a grace period.</summary>
    public static Task InterruptAsync(Process p, TimeSpan grace) => SignalThenKillAsync(p, 2, grace);

    /// <summary>SIGTERM (a graceful stop for the daemon), then kill.</summary>
    public static Task TerminateAsync(Process p, TimeSpan grace) => SignalThenKillAsync(p, 15, grace);

    private static async Task SignalThenKillAsync(Process p, int signal, TimeSpan grace)
    {
        if (p.HasExited)
        {
            return;
        }

        _ = SysKill(p.Id, signal);
        using var cts = new CancellationTokenSource(grace);
        try
        {
            await p.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            p.Kill(entireProcessTree: true);
            await p.WaitForExitAsync();
        }
    }

    private static bool SysKill(int pid, int signal)
    {
        // kill(1) rather than P/Invoke: no unsafe code in the tests, and the signal goes to that one process id.
        using var k = Process.Start(new ProcessStartInfo("kill", ["-s", signal.ToString(System.Globalization.CultureInfo.InvariantCulture), pid.ToString(System.Globalization.CultureInfo.InvariantCulture)])
        {
            UseShellExecute = false,
            RedirectStandardError = true,
        });
        k?.WaitForExit(5000);
        return k?.ExitCode == 0;
    }
}
