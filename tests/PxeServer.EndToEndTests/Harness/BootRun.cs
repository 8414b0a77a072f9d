using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;

namespace PxeServer.EndToEndTests.Harness;

/// <summary>One boot of a client VM in the lab.</summary>
internal sealed record BootCase(string Firmware, string Mode)
{
    public string Mac { get; init; } = BootRun.LabMac;

    /// <summary>srv (VLAN 10, the client's VLAN) or wrong (VLAN 20).</summary>
    public string ServerNamespace { get; init; } = "srv";

    /// <summary>ours or dnsmasq.</summary>
    public string Server { get; init; } = LabFixture.ServerKind;

    /// <summary>null: wait for the marker (up to the VM timeout). Otherwise watch the wire this long, then stop.</summary>
    public TimeSpan? Window { get; init; }

    public TimeSpan VmTimeout { get; init; } = TimeSpan.FromSeconds(240);

    /// <summary>Give up when no DHCP reply at all reached the client this long after the VM started.</summary>
    public TimeSpan NoReplyTimeout { get; init; } = TimeSpan.FromSeconds(75);

    public override string ToString() => $"{Firmware} x {Mode} ({Server}{(ServerNamespace == "srv" ? string.Empty : ", server on the wrong VLAN")})";
}

/// <summary>What happened: the marker, the wire, and the timeline.</summary>
internal sealed class BootResult
{
    public required BootCase Case { get; init; }

    public required DateTimeOffset VmStart { get; init; }

    public string? MarkerLine { get; init; }

    public DateTimeOffset? MarkerTime { get; init; }

    public string? MarkerMac { get; init; }

    public string? Cmdline { get; init; }

    public string? IpAddr { get; init; }

    public required string Serial { get; init; }

    public required IReadOnlyList<WirePacket> ClientWire { get; init; }

    public IReadOnlyList<WirePacket> WrongVlanWire { get; init; } = [];

    public required string ServerLog { get; init; }

    public required IPAddress ServerAddress { get; init; }

    public double? SecondsTo(DateTimeOffset? t) => t is { } v ? (v - VmStart).TotalSeconds : null;

    public DateTimeOffset? FirstOfferAny => ClientWire.FirstOrDefault(p => p.IsDhcpReply && p.DhcpMessageType == 2)?.Time;

    public DateTimeOffset? FirstOfferFromServer =>
        ClientWire.FirstOrDefault(p => p.IsDhcpReply && p.DhcpMessageType == 2 && p.Source.Equals(ServerAddress))?.Time;

    public DateTimeOffset? FirstTftpRead => ClientWire.FirstOrDefault(p => p.Kind == WireKind.TftpRead)?.Time;

    public string Timeline()
    {
        static string F(double? s) => s is { } v ? v.ToString("0.0", CultureInfo.InvariantCulture) + " s" : "-";
        return $"{Case}: first OFFER {F(SecondsTo(FirstOfferAny))} (from the server under test {F(SecondsTo(FirstOfferFromServer))}), " +
            $"first TFTP read {F(SecondsTo(FirstTftpRead))}, marker {F(SecondsTo(MarkerTime))}";
    }

    public string Diagnostics()
    {
        var sb = new StringBuilder();
        sb.AppendLine(Timeline());
        sb.AppendLine("--- client wire (DHCP, TFTP reads) ---");
        foreach (var p in ClientWire.Take(80))
        {
            sb.AppendLine(p.ToString());
        }

        sb.AppendLine("--- serial console (tail) ---");
        sb.AppendLine(Serial.Length > 4000 ? Serial[^4000..] : Serial);
        sb.AppendLine("--- server log (tail) ---");
        sb.AppendLine(ServerLog.Length > 6000 ? ServerLog[^6000..] : ServerLog);
        return sb.ToString();
    }
}

/// <summary>Drives one boot: server(s), capture, VM, marker; always stops everything it started.</summary>
internal static class BootRun
{
    public const string LabMac = "de:00:00:00:00:de";
    public const string MarkerPrefix = "PXE-LAB-MARKER ";

    public static async Task<BootResult> RunAsync(LabFixture lab, BootCase c, CancellationToken ct)
    {
        string tag = $"{c.Firmware}-{c.Mode}-{c.Server}-{c.ServerNamespace}-{DateTime.UtcNow:HHmmssfff}";
        // Outside the lab state (removed by lab.sh down) so the pcap and serial log survive for analysis.
        string dir = Path.Combine(Shell.RepoRoot, ".cache", "e2e-runs", lab.Id, tag);
        Directory.CreateDirectory(dir);
        string pcap = Path.Combine(dir, "client.pcap");
        string wrongPcap = Path.Combine(dir, "wrong-vlan.pcap");
        string serial = Path.Combine(dir, "serial.log");
        var serverLog = new StringBuilder();
        var started = new List<Process>();
        bool dhcpStarted = false, referenceStarted = false;
        var serverAddress = IPAddress.Parse(c.ServerNamespace == "wrong" ? lab.Env["WRONG_ADDR"] : lab.Env["SRV_ADDR"]);
        Process? vm = null, server = null;
        try
        {
            if (c.Mode == "proxy")
            {
                await Shell.LabAsync(TimeSpan.FromSeconds(30), "dhcp", lab.Id);
                dhcpStarted = true;
            }

            if (c.Server == "dnsmasq")
            {
                await Shell.LabAsync(TimeSpan.FromMinutes(2), "reference", lab.Id, c.Mode, "--mac", LabMac, "--ns", c.ServerNamespace);
                referenceStarted = true;
            }
            else
            {
                server = Shell.Start(Shell.LabScript,
                    ["serve", lab.Id, c.Mode, "--catalog", lab.CatalogDir, "--ns", c.ServerNamespace, "--log-level", "Debug"],
                    Shell.PxeEnvironment());
                started.Add(server);
                await WaitForLineAsync(server, serverLog, l => l.Contains("ready", StringComparison.OrdinalIgnoreCase),
                    TimeSpan.FromSeconds(90), "pxe serve did not report ready", ct);
            }

            var capture = Shell.Start(Shell.LabScript, ["capture", lab.Id, pcap]);
            started.Add(capture);
            var capLog = new StringBuilder();
            await WaitForLineAsync(capture, capLog, l => l.Contains("listening on", StringComparison.Ordinal),
                TimeSpan.FromSeconds(20), "tcpdump did not start", ct);
            if (c.ServerNamespace == "wrong")
            {
                var wrongCap = Shell.Start(Shell.LabScript, ["exec", lab.Id, "wrong", "tcpdump", "-i", lab.Env["WRONG_IF"], "-n", "-U", "-w", wrongPcap, "udp"]);
                started.Add(wrongCap);
                await WaitForLineAsync(wrongCap, new StringBuilder(), l => l.Contains("listening on", StringComparison.Ordinal),
                    TimeSpan.FromSeconds(20), "tcpdump (wrong VLAN) did not start", ct);
            }

            vm = Shell.Start(Shell.LabScript,
                ["vm", lab.Id, "--firmware", c.Firmware, "--mac", c.Mac, "--serial", serial,
                 "--timeout", ((int)c.VmTimeout.TotalSeconds).ToString(CultureInfo.InvariantCulture)]);
            started.Add(vm);
            string first = await vm.StandardOutput.ReadLineAsync(ct) ?? throw new InvalidOperationException("lab.sh vm printed nothing: " + await vm.StandardError.ReadToEndAsync(ct));
            var vmStart = ParseVmStart(first);

            DateTimeOffset? markerTime = null;
            string? markerLine = null;
            var deadline = DateTimeOffset.UtcNow + (c.Window ?? c.VmTimeout + TimeSpan.FromSeconds(10));
            var nextWireCheck = DateTimeOffset.UtcNow + TimeSpan.FromSeconds(5);
            while (DateTimeOffset.UtcNow < deadline && !ct.IsCancellationRequested)
            {
                // A boot that got no DHCP reply at all within NoReplyTimeout will not happen: stop early (saves CI minutes).
                if (c.Window is null && DateTimeOffset.UtcNow >= nextWireCheck)
                {
                    nextWireCheck = DateTimeOffset.UtcNow + TimeSpan.FromSeconds(5);
                    if (DateTimeOffset.UtcNow - vmStart > c.NoReplyTimeout && !Capture.Read(pcap).Any(p => p.IsDhcpReply))
                    {
                        break;
                    }
                }

                string text = ReadShared(serial);
                if (markerLine is null && FindLine(text, MarkerPrefix) is { } m)
                {
                    markerLine = m;
                    markerTime = DateTimeOffset.UtcNow;
                }

                if (text.Contains("PXE-LAB-IPADDR-END", StringComparison.Ordinal) || vm.HasExited)
                {
                    break;
                }

                await Task.Delay(100, ct);
            }

            if (!vm.HasExited)
            {
                await Task.Delay(c.Window is null ? 1500 : 0, ct); // the VM powers off right after the ip addr block
            }

            foreach (var p in started.AsEnumerable().Reverse())
            {
                if (p == server)
                {
                    await Shell.TerminateAsync(p, TimeSpan.FromSeconds(10));
                }
                else
                {
                    await Shell.InterruptAsync(p, TimeSpan.FromSeconds(5));
                }
            }

            string serialText = ReadShared(serial);
            var parsed = ParseMarker(markerLine);
            return new BootResult
            {
                Case = c,
                VmStart = vmStart,
                MarkerLine = markerLine,
                MarkerTime = markerTime,
                MarkerMac = parsed.Mac,
                Cmdline = parsed.Cmdline,
                IpAddr = Between(serialText, "PXE-LAB-IPADDR-BEGIN", "PXE-LAB-IPADDR-END"),
                Serial = serialText,
                ClientWire = Capture.Read(pcap),
                WrongVlanWire = c.ServerNamespace == "wrong" ? Capture.Read(wrongPcap) : [],
                ServerLog = serverLog.ToString() + (referenceStarted ? ReadShared(Path.Combine(lab.StateDir, "reference.log")) : string.Empty),
                ServerAddress = serverAddress,
            };
        }
        finally
        {
            foreach (var p in started)
            {
                try
                {
                    if (!p.HasExited)
                    {
                        p.Kill(entireProcessTree: true);
                    }
                }
                catch (InvalidOperationException)
                {
                    // already gone
                }

                p.Dispose();
            }

            if (dhcpStarted)
            {
                await Shell.RunAsync(Shell.LabScript, ["stop", lab.Id, "dhcp"], TimeSpan.FromSeconds(20));
            }

            if (referenceStarted)
            {
                await Shell.RunAsync(Shell.LabScript, ["stop", lab.Id, "reference"], TimeSpan.FromSeconds(20));
            }
        }
    }

    private static DateTimeOffset ParseVmStart(string line)
    {
        // VM-START 1796318646.268447698 firmware=...
        var parts = line.Split(' ');
        if (parts.Length < 2 || parts[0] != "VM-START" || !decimal.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out var epoch))
        {
            throw new InvalidOperationException("unexpected first line from lab.sh vm: " + line);
        }

        return DateTimeOffset.FromUnixTimeMilliseconds((long)(epoch * 1000));
    }

    internal static (string? Mac, string? Cmdline) ParseMarker(string? line)
    {
        if (line is null)
        {
            return (null, null);
        }

        string? mac = null, cmdline = null;
        int i = line.IndexOf("mac=", StringComparison.Ordinal);
        if (i >= 0)
        {
            int end = line.IndexOf(' ', i);
            mac = end < 0 ? line[(i + 4)..] : line[(i + 4)..end];
        }

        int k = line.IndexOf("cmdline=", StringComparison.Ordinal);
        if (k >= 0)
        {
            cmdline = line[(k + 8)..].Trim();
        }

        return (mac, cmdline);
    }

    private static async Task WaitForLineAsync(Process p, StringBuilder log, Func<string, bool> ready, TimeSpan timeout, string what, CancellationToken ct)
    {
        var tcs = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void OnLine(object? sender, DataReceivedEventArgs e)
        {
            if (e.Data is null)
            {
                return;
            }

            lock (log)
            {
                log.AppendLine(e.Data);
            }

            if (ready(e.Data))
            {
                tcs.TrySetResult();
            }
        }

        p.OutputDataReceived += OnLine;
        p.ErrorDataReceived += OnLine;
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        cts.CancelAfter(timeout);
        var exited = p.WaitForExitAsync(cts.Token);
        var done = await Task.WhenAny(tcs.Task, exited, Task.Delay(Timeout.Infinite, cts.Token));
        if (done != tcs.Task)
        {
            string text;
            lock (log)
            {
                text = log.ToString();
            }

            throw new InvalidOperationException($"{what} (exited: {p.HasExited}):\n{text}");
        }
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

    private static string? FindLine(string text, string prefix)
    {
        int i = text.IndexOf(prefix, StringComparison.Ordinal);
        if (i < 0)
        {
            return null;
        }

        int end = text.IndexOf('\n', i);
        return end < 0 ? null : text[i..end].TrimEnd('\r');
    }

    private static string? Between(string text, string begin, string end)
    {
        int i = text.IndexOf(begin, StringComparison.Ordinal);
        int j = text.IndexOf(end, StringComparison.Ordinal);
        return i >= 0 && j > i ? text[(i + begin.Length)..j].Trim('\r', '\n') : null;
    }
}
