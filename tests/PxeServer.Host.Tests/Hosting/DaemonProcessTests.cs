using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using PxeServer.Testing;
using Xunit;

namespace PxeServer.Host.Tests.Hosting;

/// <summary>Runs the real <c>pxe</c> executable as a child process: start, ready line, SIGTERM, start failures.</summary>
public sealed class DaemonProcessTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("pxe-daemon-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task Serve_LogsOneReadyLineNamingTheListener_ServesAFile_AndStopsCleanlyOnSigterm()
    {
        int port = FreeUdpPort();
        await File.WriteAllBytesAsync(Path.Combine(_dir, "hello.txt"), Encoding.ASCII.GetBytes("hello from pxe\n"), TestContext.Current.CancellationToken);
        using var daemon = DaemonProcess.Start(_dir, "serve", "--config", EmptyConfig(), "--dhcp-mode", "off",
            "--address", "127.0.0.1", "--tftp-port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--tftp-root", _dir, "--catalog", _dir);

        string ready = await daemon.WaitForLineAsync("PxeServer ready", TimeSpan.FromSeconds(30));
        Assert.Contains($"tftp udp 127.0.0.1:{port}", ready, StringComparison.Ordinal);
        Assert.Single(daemon.Lines(), l => l.Contains("PxeServer ready", StringComparison.Ordinal));

        // The listener really serves: a plain RFC 1350 read of a small file.
        using (var client = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0)))
        {
            byte[] rrq = [0, 1, .. "hello.txt"u8, 0, .. "octet"u8, 0];
            await client.SendAsync(rrq, new IPEndPoint(IPAddress.Loopback, port), TestContext.Current.CancellationToken);
            using var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
            cts.CancelAfter(TimeSpan.FromSeconds(10));
            var data = await client.ReceiveAsync(cts.Token);
            Assert.Equal(3, data.Buffer[1]); // DATA
            Assert.Equal("hello from pxe\n", Encoding.ASCII.GetString(data.Buffer, 4, data.Buffer.Length - 4));
            await client.SendAsync(new byte[] { 0, 4, 0, 1 }, data.RemoteEndPoint, TestContext.Current.CancellationToken);
        }

        var stopwatch = Stopwatch.StartNew();
        daemon.Signal("TERM");
        int exit = await daemon.WaitForExitAsync(TimeSpan.FromSeconds(10));
        stopwatch.Stop();

        Assert.Equal(0, exit);
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(5), $"stop took {stopwatch.Elapsed}");
        string all = daemon.AllOutput();
        Assert.DoesNotContain("Exception", all, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", all, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Serve_OnABusyPort_ExitsOne_WithOneClearLine()
    {
        using var squatter = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        squatter.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        int port = ((IPEndPoint)squatter.LocalEndPoint!).Port;

        using var daemon = DaemonProcess.Start(_dir, "serve", "--config", EmptyConfig(), "--dhcp-mode", "off",
            "--address", "127.0.0.1", "--tftp-port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--tftp-root", _dir, "--catalog", _dir);
        int exit = await daemon.WaitForExitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(1, exit);
        var errors = daemon.ErrorLines().Where(l => l.Length > 0).ToList();
        Assert.Single(errors);
        Assert.StartsWith("pxe: ", errors[0], StringComparison.Ordinal);
        Assert.Contains(port.ToString(System.Globalization.CultureInfo.InvariantCulture), errors[0], StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", daemon.AllOutput(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Serve_WithBadConfig_ExitsTwo()
    {
        string bad = Path.Combine(_dir, "bad.yaml");
        await File.WriteAllTextAsync(bad, "dhcp:\n  mode: fulll\ntftp:\n  port: 70000\n", TestContext.Current.CancellationToken);

        using var daemon = DaemonProcess.Start(_dir, "serve", "--config", bad);
        int exit = await daemon.WaitForExitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(2, exit);
        string err = string.Join('\n', daemon.ErrorLines());
        Assert.Contains("dhcp.mode", err, StringComparison.Ordinal);
        Assert.Contains("tftp.port", err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnderSystemd_NotifiesReadyAndStopping_AndLogsJournalStyle()
    {
        // Microsoft.Extensions.Hosting.Systemd recognises systemd by the parent process's name; a copy of
        // bash named "systemd" is that parent here, and NOTIFY_SOCKET is our own datagram socket.
        string bash = Prerequisites.RequireTool("bash", "bash");
        string fakeSystemd = Path.Combine(_dir, "systemd");
        File.Copy(bash, fakeSystemd);
        string socketPath = Path.Combine(_dir, "notify.sock");
        using var notify = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        notify.Bind(new UnixDomainSocketEndPoint(socketPath));

        int port = FreeUdpPort();
        string dll = Path.Combine(AppContext.BaseDirectory, "pxe.dll");
        var psi = new ProcessStartInfo(fakeSystemd) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = _dir };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add($"dotnet '{dll}' serve --config '{EmptyConfig()}' --dhcp-mode off --address 127.0.0.1 --tftp-port {port} --tftp-root '{_dir}'; exit $?");
        psi.Environment["NOTIFY_SOCKET"] = socketPath;
        using var parent = Process.Start(psi)!;
        var stdout = parent.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        try
        {
            Assert.Equal("READY=1", await ReceiveAsync(notify, TimeSpan.FromSeconds(30)));

            using (var pgrep = Process.Start(new ProcessStartInfo("pgrep", ["-P", parent.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]) { RedirectStandardOutput = true })!)
            {
                string child = (await pgrep.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken)).Trim();
                Assert.False(string.IsNullOrEmpty(child), "the daemon is not a child of the fake systemd");
                using var kill = Process.Start("kill", ["-TERM", child]);
                await kill.WaitForExitAsync(TestContext.Current.CancellationToken);
            }

            Assert.Equal("STOPPING=1", await ReceiveAsync(notify, TimeSpan.FromSeconds(10)));
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await parent.WaitForExitAsync(cts.Token);
            Assert.Equal(0, parent.ExitCode);

            // Journal-style lines: "<6>" is syslog priority info, no ANSI colours, no timestamps of our own.
            string log = await stdout;
            Assert.Contains("<6>PxeServer[1] PxeServer ready: tftp udp 127.0.0.1:" + port.ToString(System.Globalization.CultureInfo.InvariantCulture), log, StringComparison.Ordinal);
        }
        finally
        {
            if (!parent.HasExited)
            {
                parent.Kill(entireProcessTree: true);
            }
        }
    }

    private static async Task<string> ReceiveAsync(Socket socket, TimeSpan timeout)
    {
        var buffer = new byte[512];
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        cts.CancelAfter(timeout);
        int n = await socket.ReceiveAsync(buffer, SocketFlags.None, cts.Token);
        return Encoding.ASCII.GetString(buffer, 0, n).Trim();
    }

    private string EmptyConfig()
    {
        string file = Path.Combine(_dir, "empty.yaml");
        File.WriteAllText(file, "# empty: defaults and flags only\n");
        return file;
    }

    private static int FreeUdpPort()
    {
        using var s = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        s.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)s.LocalEndPoint!).Port;
    }
}

/// <summary>The <c>pxe</c> executable as a child process with its output captured line by line.</summary>
internal sealed class DaemonProcess : IDisposable
{
    private readonly Process _process;
    private readonly List<string> _out = [];
    private readonly List<string> _err = [];
    private readonly object _gate = new();

    private DaemonProcess(Process process) => _process = process;

    public static DaemonProcess Start(string workingDirectory, params string[] args)
    {
        string dll = Path.Combine(AppContext.BaseDirectory, "pxe.dll");
        Assert.True(File.Exists(dll), $"pxe.dll not next to the tests at {dll}");
        var psi = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add(dll);
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        var p = new Process { StartInfo = psi };
        var d = new DaemonProcess(p);
        p.OutputDataReceived += (_, e) => { if (e.Data is not null) { lock (d._gate) { d._out.Add(e.Data); } } };
        p.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lock (d._gate) { d._err.Add(e.Data); } } };
        p.Start();
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        return d;
    }

    public IReadOnlyList<string> Lines()
    {
        lock (_gate)
        {
            return [.. _out];
        }
    }

    public IReadOnlyList<string> ErrorLines()
    {
        lock (_gate)
        {
            return [.. _err];
        }
    }

    public string AllOutput() => string.Join('\n', Lines().Concat(ErrorLines()));

    public async Task<string> WaitForLineAsync(string text, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            var hit = Lines().FirstOrDefault(l => l.Contains(text, StringComparison.Ordinal));
            if (hit is not null)
            {
                return hit;
            }

            if (_process.HasExited)
            {
                await Task.Delay(200);
                Assert.Fail($"pxe exited ({_process.ExitCode}) before '{text}':\n{AllOutput()}");
            }

            await Task.Delay(50);
        }

        Assert.Fail($"no line '{text}' within {timeout}:\n{AllOutput()}");
        return string.Empty;
    }

    public void Signal(string signal)
    {
        using var kill = Process.Start("kill", ["-" + signal, _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
    }

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            Assert.Fail($"pxe did not exit within {timeout}:\n{AllOutput()}");
        }

        _process.WaitForExit(); // flush the asynchronous output readers
        return _process.ExitCode;
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(5000);
        }

        _process.Dispose();
    }
}
