using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using PxeServer.Testing;
using PxeServer.Transport.Udp;

namespace PxeServer.Dhcp.Tests.Netns;

/// <summary>
/// Network namespaces, veth pairs and bridges that one test creates and always removes (names are unique per lab).
/// Nothing is ever sent outside the lab's namespaces.
/// </summary>
internal sealed partial class NetLab : IDisposable
{
    private const int CloneNewNet = 0x40000000;
    private readonly List<string> _namespaces = [];
    private readonly List<Process> _processes = [];
    private int _links;

    public NetLab()
    {
        Prerequisites.RequireRoot("network namespaces");
        Prerequisites.RequireTool("ip", "iproute2");
        Id = "pxd" + Convert.ToHexString(RandomNumberGenerator.GetBytes(3)).ToLowerInvariant();
    }

    public string Id { get; }

    public string Temp { get; } = Directory.CreateTempSubdirectory("pxe-dhcp-lab-").FullName;

    /// <summary>Creates namespace <c>{Id}-{role}</c> with loopback up.</summary>
    public string Namespace(string role)
    {
        string name = $"{Id}-{role}";
        Ip($"netns add {name}");
        _namespaces.Add(name);
        Ip($"-n {name} link set lo up");
        return name;
    }

    /// <summary>A veth pair from <paramref name="nsA"/>:<paramref name="ifA"/> to <paramref name="nsB"/>:<paramref name="ifB"/>, both up.</summary>
    public void Veth(string nsA, string ifA, string nsB, string ifB)
    {
        string a = $"{Id}v{_links}a", b = $"{Id}v{_links}b";
        _links++;
        Ip($"link add {a} type veth peer name {b}");
        Ip($"link set {a} netns {nsA} name {ifA}");
        Ip($"link set {b} netns {nsB} name {ifB}");
        Ip($"-n {nsA} link set {ifA} up");
        Ip($"-n {nsB} link set {ifB} up");
    }

    public static void Bridge(string ns, string bridge, params string[] members)
    {
        Ip($"-n {ns} link add {bridge} type bridge");
        Ip($"-n {ns} link set {bridge} up");
        foreach (var m in members)
        {
            Ip($"-n {ns} link set {m} master {bridge}");
        }
    }

    public static void Address(string ns, string dev, string cidr) => Ip($"-n {ns} addr add {cidr} dev {dev}");

    /// <summary>Runs a command in <paramref name="ns"/> to completion; returns exit code and output.</summary>
    public static (int Code, string Output) Exec(string ns, string file, string args, int timeoutMs = 30_000)
    {
        using var p = Process.Start(Psi(ns, file, args))!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(timeoutMs))
        {
            p.Kill(entireProcessTree: true);
            p.WaitForExit();
        }

        return (p.HasExited ? p.ExitCode : -1, stdout.Result + stderr.Result);
    }

    /// <summary>Starts a long-running command in <paramref name="ns"/>; killed by <see cref="Dispose"/>.</summary>
    public LabProcess Start(string ns, string file, string args)
    {
        var p = Process.Start(Psi(ns, file, args))!;
        _processes.Add(p);
        return new LabProcess(p);
    }

    /// <summary>Starts the DHCP test harness in <paramref name="ns"/> and waits for READY (or throws with its output).</summary>
    public LabProcess StartHarness(string ns, string args, bool expectReady = true)
    {
        var p = Start(ns, "dotnet", $"{HarnessPath()} {args}");
        if (expectReady && !p.WaitForLine("READY", TimeSpan.FromSeconds(30)))
        {
            throw new InvalidOperationException("harness did not start:\n" + p.Output);
        }

        return p;
    }

    /// <summary>Runs <paramref name="action"/> on a fresh thread that has entered <paramref name="ns"/> (sockets stay there).</summary>
    public static T InNamespace<T>(string ns, Func<T> action)
    {
        T result = default!;
        Exception? error = null;
        var thread = new Thread(() =>
        {
            try
            {
                using var handle = File.OpenHandle($"/var/run/netns/{ns}", FileMode.Open, FileAccess.Read);
                if (SetNs((int)handle.DangerousGetHandle(), CloneNewNet) != 0)
                {
                    throw new IOException($"setns({ns}) failed: errno {Marshal.GetLastPInvokeError()}");
                }

                result = action();
            }
            catch (Exception e)
            {
                error = e;
            }
        });
        thread.Start();
        thread.Join();
        if (error is not null)
        {
            throw error;
        }

        return result;
    }

    /// <summary>A UDP socket in <paramref name="ns"/> bound to <paramref name="dev"/>:<paramref name="port"/> with broadcast on.</summary>
    public static Socket Udp(string ns, string dev, int port, bool reuse = true) => InNamespace(ns, () =>
    {
        var s = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        if (reuse)
        {
            s.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        }

        BoundUdpSocket.BindToDevice(s, dev);
        s.EnableBroadcast = true;
        s.ReceiveBufferSize = 4 << 20;
        s.Bind(new IPEndPoint(IPAddress.Any, port));
        return s;
    });

    public void Dispose()
    {
        foreach (var p in _processes)
        {
            try
            {
                if (!p.HasExited)
                {
                    p.Kill(entireProcessTree: true);
                    p.WaitForExit(5000);
                }
            }
            catch (InvalidOperationException)
            {
            }

            p.Dispose();
        }

        foreach (var ns in _namespaces)
        {
            Run("ip", $"netns del {ns}");
        }

        try
        {
            Directory.Delete(Temp, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    internal static string HarnessPath()
    {
        var tfm = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd('/'));
        var config = tfm.Parent!;
        var project = config.Parent!.Parent!;
        string path = Path.Combine(project.FullName, "Harness", "bin", config.Name, tfm.Name, "PxeServer.Dhcp.TestHarness.dll");
        if (!File.Exists(path))
        {
            throw new FileNotFoundException("build tests/PxeServer.Dhcp.Tests first (it builds the harness)", path);
        }

        return path;
    }

    private static ProcessStartInfo Psi(string ns, string file, string args) => new("ip", $"netns exec {ns} {file} {args}")
    {
        RedirectStandardOutput = true,
        RedirectStandardError = true,
        UseShellExecute = false,
    };

    private static void Ip(string args)
    {
        var (code, output) = Run("ip", args);
        if (code != 0)
        {
            throw new InvalidOperationException($"ip {args}: {output}");
        }
    }

    private static (int Code, string Output) Run(string file, string args)
    {
        using var p = Process.Start(new ProcessStartInfo(file, args) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        string output = p.StandardOutput.ReadToEnd() + p.StandardError.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, output);
    }

    [LibraryImport("libc", EntryPoint = "setns", SetLastError = true)]
    private static partial int SetNs(int fd, int nstype);
}

/// <summary>A process started in a lab namespace, with its output collected.</summary>
internal sealed class LabProcess
{
    private readonly System.Text.StringBuilder _output = new();
    private readonly Lock _sync = new();

    public LabProcess(Process process)
    {
        Process = process;
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public Process Process { get; }

    public string Output
    {
        get
        {
            lock (_sync)
            {
                return _output.ToString();
            }
        }
    }

    public bool WaitForLine(string text, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (Output.Contains(text, StringComparison.Ordinal))
            {
                return true;
            }

            if (Process.HasExited)
            {
                Thread.Sleep(200);
                return Output.Contains(text, StringComparison.Ordinal);
            }

            Thread.Sleep(50);
        }

        return false;
    }

    /// <summary>Waits for exit and for the last output line.</summary>
    public bool WaitExit(TimeSpan timeout)
    {
        if (!Process.WaitForExit(timeout))
        {
            return false;
        }

        Process.WaitForExit(); // drains the redirected output
        return true;
    }

    /// <summary>SIGKILL, as <c>kill -9</c>.</summary>
    public void Kill9()
    {
        Process.Kill();
        Process.WaitForExit(5000);
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_sync)
        {
            _output.AppendLine(line);
        }
    }
}
