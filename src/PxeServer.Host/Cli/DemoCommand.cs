using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace PxeServer.Host.Cli;

/// <summary>
/// <c>pxe demo</c>: the whole scenario on one machine. Builds what is missing (sample profile, switch VM),
/// creates the VLAN lab (scripts/lab.sh), starts <c>pxe serve</c> on the server's port, PXE-boots a VM with MAC
/// de:00:00:00:00:de, streams the DHCP/ProxyDHCP/TFTP exchange as it happens, prints the VM's <c>ip addr</c> and
/// the matching manifests, and tears everything down.
/// </summary>
/// <remarks>
/// The lab is the same one the end-to-end tests use (scripts/lab.sh): this command only orchestrates it, so the
/// demo and CI cannot drift apart. Needs root (network namespaces, taps) and the repository's scripts/.
/// </remarks>
internal static class DemoCommand
{
    private const string LabMac = "de:00:00:00:00:de";

    public static Command Create()
    {
        var firmware = new Option<string>("--firmware")
        {
            Description = "Client firmware: bios (SeaBIOS + iPXE ROM), uefi (OVMF + iPXE ROM) or ovmf-native (OVMF's own PXE client).",
            DefaultValueFactory = _ => "bios",
            HelpName = "FW",
        };
        firmware.AcceptOnlyFromAmong("bios", "uefi", "ovmf-native");
        var mode = new Option<string>("--mode")
        {
            Description = "full: our server hands out addresses; proxy: a plain dnsmasq does, we answer as ProxyDHCP.",
            DefaultValueFactory = _ => "full",
            HelpName = "MODE",
        };
        mode.AcceptOnlyFromAmong("full", "proxy");
        var keep = new Option<bool>("--keep")
        {
            Description = "Leave the lab (switch VM, namespaces, catalog) up afterwards; prints how to use and remove it.",
        };
        var timeout = new Option<int>("--timeout")
        {
            Description = "Seconds to wait for the VM to reach userland.",
            DefaultValueFactory = _ => 240,
            HelpName = "SEC",
        };

        var command = new Command("demo", """
            PXE-boot a real VM from this server on a VLAN access port, end to end (needs root, QEMU, dnsmasq, tcpdump).
            Builds the sample lab-linux profile and the lab's switch VM if missing, creates the lab, starts `pxe serve`,
            boots the VM (MAC de:00:00:00:00:de), shows the boot exchange live, then the VM's `ip addr` and the
            NetworkAttachmentDefinition/VMI manifests for a real cluster. Exit 0 when the VM booted the profile.
            """)
        {
            firmware, mode, keep, timeout,
        };

        command.SetAction((parse, ct) => RunAsync(
            parse.GetValue(firmware)!, parse.GetValue(mode)!, parse.GetValue(keep), parse.GetValue(timeout),
            parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error, ct));
        return command;
    }

    private static async Task<int> RunAsync(string firmware, string mode, bool keep, int timeoutSeconds, TextWriter stdout, TextWriter stderr, CancellationToken ct)
    {
        if (!string.Equals(Environment.UserName, "root", StringComparison.Ordinal))
        {
            await stderr.WriteLineAsync("pxe demo: needs root (network namespaces, taps, ports 67/69): sudo pxe demo");
            return ExitCodes.RuntimeFailure;
        }

        string? lab = FindLabScript();
        if (lab is null)
        {
            await stderr.WriteLineAsync("pxe demo: scripts/lab.sh not found: run it from the PxeServer repository (or set LAB_REPO_ROOT).");
            return ExitCodes.RuntimeFailure;
        }

        var ui = new DemoOutput(stdout);
        var env = new Dictionary<string, string>(StringComparer.Ordinal) { ["PXE"] = SelfCommandLine() };
        string id = "d" + Random.Shared.Next(0x100000, 0xffffff).ToString("x6", CultureInfo.InvariantCulture);
        bool up = false;
        string catalog = "<lab state>/catalog";
        var running = new List<Process>();
        try
        {
            ui.Step("building what is missing (sample profile, switch VM): scripts/lab.sh build");
            if (!await RunToEndAsync(lab, ["build"], env, ui, "build", ct))
            {
                return ExitCodes.RuntimeFailure;
            }

            ui.Step($"creating lab {id}: VLAN 10 access port for the VM, the server's port on the same VLAN");
            var upOut = new StringBuilder();
            up = true;
            if (!await RunToEndAsync(lab, ["up", "--id", id], env, ui, "lab", ct, upOut))
            {
                return ExitCodes.RuntimeFailure;
            }

            var labEnv = ParseEnv(upOut.ToString());
            string state = labEnv.GetValueOrDefault("LAB_STATE", Path.Combine(Path.GetDirectoryName(Path.GetDirectoryName(lab)!)!, ".lab", id));
            ui.Info(labEnv.GetValueOrDefault("LAB_MODE") == "switch-vm"
                ? "VLANs: the host kernel has no 802.1Q/VLAN filtering, so br1 (vlan_filtering 1) runs in a small QEMU switch VM"
                : "VLANs: br1 with vlan_filtering 1 on the host, server on a tagged trunk (" + labEnv.GetValueOrDefault("SRV_IF") + ")");

            catalog = Path.Combine(state, "catalog");
            ui.Step("catalog: sample profile lab-linux, loaders, host " + LabMac + " -> lab-linux");
            if (!await RunToEndAsync(lab, ["catalog", catalog], env, ui, "catalog", ct))
            {
                return ExitCodes.RuntimeFailure;
            }

            if (mode == "proxy")
            {
                ui.Step("proxy mode: a plain dnsmasq on VLAN 10 hands out the addresses");
                if (!await RunToEndAsync(lab, ["dhcp", id], env, ui, "dhcp", ct))
                {
                    return ExitCodes.RuntimeFailure;
                }
            }

            ui.Step($"starting pxe serve ({mode} mode) on {labEnv.GetValueOrDefault("SRV_IF")} {labEnv.GetValueOrDefault("SRV_ADDR")}");
            var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var server = StartStreaming(lab, ["serve", id, mode, "--catalog", catalog], env, line =>
            {
                ui.Line("server", line);
                if (line.Contains("ready", StringComparison.OrdinalIgnoreCase))
                {
                    ready.TrySetResult();
                }
            });
            running.Add(server);
            if (!await WaitAsync(ready.Task, server, TimeSpan.FromSeconds(90), ct))
            {
                await stderr.WriteLineAsync("pxe demo: pxe serve did not become ready (see its output above)");
                return ExitCodes.RuntimeFailure;
            }

            // The exchange on the VM's wire: `pxe sniff` when this build has it, else a summary of `tcpdump -v`.
            WireSummary? sniffer = null;
            if (PxeCommandLine.Build().Subcommands.Any(c => c.Name == "sniff"))
            {
                var sniff = StartStreaming(lab, ["exec", id, "wire", .. SelfCommandLine().Split(' '), "sniff", "--interface", "tcli"], env, l => ui.Line("wire", l));
                running.Add(sniff);
                await Task.Delay(3000, ct); // .NET start-up and pcap open; SeaBIOS needs longer before its first DISCOVER
                if (sniff.HasExited)
                {
                    ui.Info("pxe sniff stopped; falling back to tcpdump");
                    sniffer = new WireSummary(ui);
                }
            }
            else
            {
                sniffer = new WireSummary(ui);
            }

            if (sniffer is not null)
            {
                running.Add(StartStreaming(lab, ["exec", id, "wire", "tcpdump", "-l", "-n", "-v", "-i", "tcli", "udp"], env, sniffer.OnLine));
                await Task.Delay(500, ct);
            }

            string serial = Path.Combine(state, "demo-serial.log");
            string fw = firmware;
            ui.Step($"booting the VM: QEMU q35 (TCG), {Describe(fw)}, virtio-net {LabMac} bootindex=1; serial console below");
            var vm = StartStreaming(lab, ["vm", id, "--firmware", fw, "--serial", serial, "--timeout", timeoutSeconds.ToString(CultureInfo.InvariantCulture)], env, _ => { });
            running.Add(vm);
            var started = Stopwatch.StartNew();
            int shown = 0;
            string? marker = null;
            while (started.Elapsed < TimeSpan.FromSeconds(timeoutSeconds + 5))
            {
                string text = ReadShared(serial);
                var lines = text.Split('\n');
                for (; shown < lines.Length - 1; shown++)
                {
                    string l = lines[shown].TrimEnd('\r');
                    if (l.Length > 0)
                    {
                        ui.Line("vm", l);
                    }

                    if (marker is null && l.StartsWith("PXE-LAB-MARKER ", StringComparison.Ordinal))
                    {
                        marker = l;
                        ui.Info($"userland reached after {started.Elapsed.TotalSeconds:0.0} s");
                    }
                }

                if (text.Contains("PXE-LAB-IPADDR-END", StringComparison.Ordinal) || vm.HasExited)
                {
                    break;
                }

                sniffer?.Flush();
                await Task.Delay(200, ct);
            }

            sniffer?.Flush(force: true);
            string all = ReadShared(serial);
            string? ipaddr = Between(all, "PXE-LAB-IPADDR-BEGIN", "PXE-LAB-IPADDR-END");
            bool ok = marker is not null && marker.Contains("mac=" + LabMac, StringComparison.Ordinal);
            await stdout.WriteLineAsync();
            if (!ok)
            {
                await stderr.WriteLineAsync($"pxe demo: the VM did not reach userland with MAC {LabMac} within {timeoutSeconds} s");
                return ExitCodes.RuntimeFailure;
            }

            await stdout.WriteLineAsync("== The VM's `ip addr` (its NIC carries the MAC from the catalog) ==");
            await stdout.WriteLineAsync(ipaddr ?? "(not printed)");
            await stdout.WriteLineAsync();

            string config = Path.Combine(state, $"pxeserver-srv-{mode}.yaml");
            var root = PxeCommandLine.Build();
            if (root.Subcommands.Any(c => c.Name == "manifests"))
            {
                await stdout.WriteLineAsync("== The same host for a real cluster: `pxe manifests --config " + config + "` ==");
                await PxeCommandLine.RunAsync(["manifests", "--config", config], stdout, stderr);
            }
            else
            {
                await stdout.WriteLineAsync("(pxe manifests is not available in this build: no manifests printed)");
            }

            await stdout.WriteLineAsync();
            await stdout.WriteLineAsync($"pxe demo: OK ({firmware}, {mode} mode): {marker}");
            return ExitCodes.Success;
        }
        catch (OperationCanceledException)
        {
            await stderr.WriteLineAsync("pxe demo: interrupted");
            return ExitCodes.RuntimeFailure;
        }
        finally
        {
            foreach (var p in Enumerable.Reverse(running))
            {
                await StopAsync(p);
            }

            if (up && keep)
            {
                await stdout.WriteLineAsync($"""
                    Lab {id} left up (--keep). Use it with:
                      sudo {lab} serve {id} {mode} --catalog {catalog}   # our server again
                      sudo {lab} vm {id} --firmware {firmware}                     # boot the VM again
                      sudo {lab} down {id}                                       # remove everything
                    """);
            }
            else if (up)
            {
                ui.Step($"tearing down lab {id}");
                await RunToEndAsync(lab, ["down", id], env, ui, "lab", CancellationToken.None);
            }
        }
    }

    private static string Describe(string firmware) => firmware switch
    {
        "uefi" => "OVMF (no Secure Boot) + QEMU's iPXE ROM",
        "ovmf-native" => "OVMF's own PXE client (no ROM)",
        _ => "SeaBIOS + QEMU's iPXE ROM",
    };

    /// <summary>scripts/lab.sh of the repository: $LAB_REPO_ROOT, the working directory or above, or above this binary.</summary>
    private static string? FindLabScript()
    {
        if (Environment.GetEnvironmentVariable("LAB_REPO_ROOT") is { Length: > 0 } root)
        {
            string p = Path.Combine(root, "scripts", "lab.sh");
            return File.Exists(p) ? p : null;
        }

        foreach (var start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                string p = Path.Combine(dir.FullName, "scripts", "lab.sh");
                if (File.Exists(p))
                {
                    return p;
                }
            }
        }

        return null;
    }

    /// <summary>How lab.sh should start this same `pxe`: the apphost, or `dotnet exec pxe.dll`.</summary>
    private static string SelfCommandLine()
    {
        string? process = Environment.ProcessPath;
        if (process is not null && !string.Equals(Path.GetFileNameWithoutExtension(process), "dotnet", StringComparison.Ordinal))
        {
            return process;
        }

        return $"{process ?? "dotnet"} exec {typeof(DemoCommand).Assembly.Location}";
    }

    private static Process StartStreaming(string lab, IEnumerable<string> args, Dictionary<string, string> env, Action<string> onLine)
    {
        var psi = new ProcessStartInfo(lab)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        foreach (var (k, v) in env)
        {
            psi.Environment[k] = v;
        }

        var p = new Process { StartInfo = psi };
        p.OutputDataReceived += (_, e) => { if (e.Data is not null) { onLine(e.Data); } };
        p.ErrorDataReceived += (_, e) => { if (e.Data is not null) { onLine(e.Data); } };
        p.Start();
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        return p;
    }

    private static async Task<bool> RunToEndAsync(string lab, string[] args, Dictionary<string, string> env, DemoOutput ui, string tag, CancellationToken ct, StringBuilder? capture = null)
    {
        using var p = StartStreaming(lab, args, env, line =>
        {
            if (capture is not null)
            {
                lock (capture)
                {
                    capture.AppendLine(line);
                }
            }

            if (capture is null || !line.Contains('=', StringComparison.Ordinal))
            {
                ui.Line(tag, line);
            }
        });
        try
        {
            await p.WaitForExitAsync(ct);
        }
        catch (OperationCanceledException)
        {
            await StopAsync(p);
            throw;
        }

        p.WaitForExit(); // drain the redirected streams
        if (p.ExitCode != 0)
        {
            ui.Line(tag, $"lab.sh {string.Join(' ', args)} failed with exit code {p.ExitCode}");
        }

        return p.ExitCode == 0;
    }

    private static async Task<bool> WaitAsync(Task ready, Process p, TimeSpan timeout, CancellationToken ct)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        cts.CancelAfter(timeout);
        var done = await Task.WhenAny(ready, p.WaitForExitAsync(cts.Token), Task.Delay(Timeout.Infinite, cts.Token));
        ct.ThrowIfCancellationRequested();
        return done == ready;
    }

    private static async Task StopAsync(Process p)
    {
        try
        {
            if (!p.HasExited)
            {
                // SIGTERM first (the server stops gracefully, tcpdump flushes); lab.sh down removes anything left.
                using (var kill = Process.Start(new ProcessStartInfo("kill", ["-s", "TERM", p.Id.ToString(CultureInfo.InvariantCulture)]) { UseShellExecute = false }))
                {
                    kill?.WaitForExit(5000);
                }

                using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                try
                {
                    await p.WaitForExitAsync(cts.Token);
                }
                catch (OperationCanceledException)
                {
                    p.Kill(entireProcessTree: true);
                }
            }
        }
        catch (InvalidOperationException)
        {
            // not started or already reaped
        }
    }

    private static Dictionary<string, string> ParseEnv(string text)
    {
        var d = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in text.Split('\n'))
        {
            int eq = line.IndexOf('=', StringComparison.Ordinal);
            if (eq > 0)
            {
                d[line[..eq].Trim()] = line[(eq + 1)..].Trim();
            }
        }

        return d;
    }

    private static string ReadShared(string path)
    {
        try
        {
            using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var sr = new StreamReader(fs, Encoding.UTF8);
            return sr.ReadToEnd();
        }
        catch (IOException)
        {
            return string.Empty;
        }
    }

    private static string? Between(string text, string begin, string end)
    {
        int i = text.IndexOf(begin, StringComparison.Ordinal);
        int j = text.IndexOf(end, StringComparison.Ordinal);
        return i >= 0 && j > i ? text[(i + begin.Length)..j].Trim('\r', '\n') : null;
    }

    /// <summary>Serialised, tagged console output (several processes stream at once).</summary>
    private sealed class DemoOutput
    {
        private readonly TextWriter _out;
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private readonly Lock _lock = new();

        public DemoOutput(TextWriter output) => _out = output;

        public void Step(string text) => Write($"==> {text}");

        public void Info(string text) => Write($"    {text}");

        public void Line(string tag, string text) => Write($"{_clock.Elapsed.TotalSeconds,7:0.0}s {tag,-7}| {text}");

        private void Write(string line)
        {
            lock (_lock)
            {
                _out.WriteLine(line);
                _out.Flush();
            }
        }
    }

    /// <summary>
    /// Turns `tcpdump -v` of the client's wire into one line per DHCP message or TFTP read request, per MAC:
    /// what `pxe sniff` would show. TFTP data and ACKs are left out (thousands of them).
    /// </summary>
    private sealed class WireSummary
    {
        private readonly DemoOutput _ui;
        private readonly Lock _lock = new();
        private string? _addr;
        private string? _when;
        private long _lastLine;
        private string? _dhcpType;
        private string? _mac;
        private string? _yiaddr;
        private string? _file;
        private string? _class;

        public WireSummary(DemoOutput ui) => _ui = ui;

        public void OnLine(string line)
        {
            lock (_lock)
            {
                _lastLine = Stopwatch.GetTimestamp();
                if (line.Length > 0 && char.IsAsciiDigit(line[0]))
                {
                    Emit(); // a new packet starts: its header line begins with tcpdump's time of day
                    _when = line.Split(' ')[0];
                    return;
                }

                string t = line.Trim();
                if (_addr is null && t.Contains(" > ", StringComparison.Ordinal))
                {
                    if (t.Contains("BOOTP/DHCP", StringComparison.Ordinal))
                    {
                        _addr = t[..t.IndexOf(':', StringComparison.Ordinal)];
                        int from = t.IndexOf("Request from ", StringComparison.Ordinal);
                        if (from >= 0)
                        {
                            _mac = t[(from + 13)..].Split(',')[0];
                        }
                    }
                    else if (t.Contains(" RRQ ", StringComparison.Ordinal) || t.Contains("TFTP, length", StringComparison.Ordinal) && t.Contains("ERROR", StringComparison.Ordinal))
                    {
                        _ui.Line("wire", _when + " TFTP " + t[(t.IndexOf("TFTP, ", StringComparison.Ordinal) + 6)..] + "   (" + t[..t.IndexOf(':', StringComparison.Ordinal)] + ")");
                    }

                    return;
                }

                if (_addr is null)
                {
                    return;
                }

                if (t.StartsWith("DHCP-Message (53)", StringComparison.Ordinal))
                {
                    _dhcpType = t[(t.LastIndexOf(':') + 1)..].Trim().ToUpperInvariant();
                }
                else if (t.StartsWith("Client-Ethernet-Address ", StringComparison.Ordinal))
                {
                    _mac = t[24..].Trim();
                }
                else if (t.StartsWith("Your-IP ", StringComparison.Ordinal))
                {
                    _yiaddr = t[8..].Trim();
                }
                else if (t.StartsWith("BF (67)", StringComparison.Ordinal) || t.StartsWith("File ", StringComparison.Ordinal))
                {
                    _file = t[(t.IndexOf('"', StringComparison.Ordinal) is var q and >= 0 ? q : 0)..].Replace("^@", string.Empty, StringComparison.Ordinal);
                }
                else if (t.StartsWith("Vendor-Class (60)", StringComparison.Ordinal))
                {
                    _class = t[(t.IndexOf('"', StringComparison.Ordinal) is var q and >= 0 ? q : 0)..];
                }
            }
        }

        /// <summary>Prints the pending packet once its lines have stopped coming (tcpdump -l writes a packet at once).</summary>
        public void Flush(bool force = false)
        {
            lock (_lock)
            {
                if (force || Stopwatch.GetElapsedTime(_lastLine) > TimeSpan.FromMilliseconds(150))
                {
                    Emit();
                }
            }
        }

        private void Emit()
        {
            if (_addr is not null)
            {
                var sb = new StringBuilder();
                sb.Append(CultureInfo.InvariantCulture, $"{_when} DHCP {_dhcpType ?? "BOOTP"} {_mac}");
                if (_yiaddr is not null)
                {
                    sb.Append(CultureInfo.InvariantCulture, $" yiaddr {_yiaddr}");
                }

                if (_file is not null)
                {
                    sb.Append(CultureInfo.InvariantCulture, $" file {_file}");
                }

                if (_class is not null)
                {
                    sb.Append(CultureInfo.InvariantCulture, $" class {_class}");
                }

                sb.Append(CultureInfo.InvariantCulture, $"   ({_addr})");
                _ui.Line("wire", sb.ToString());
            }

            _addr = _dhcpType = _mac = _yiaddr = _file = _class = null;
        }
    }
}
