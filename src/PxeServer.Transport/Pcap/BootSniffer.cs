using SharpPcap;
using SharpPcap.LibPcap;

namespace PxeServer.Transport.Pcap;

/// <summary>Live capture of boot traffic on one interface (SharpPcap), printed by <see cref="BootTrafficDecoder"/>.</summary>
public static class BootSniffer
{
    /// <summary>
    /// Captures UDP on <paramref name="interfaceName"/> until <paramref name="count"/> lines were printed (0: no limit)
    /// or <paramref name="cancellationToken"/> fires; optionally writes every captured frame to <paramref name="writeFile"/>.
    /// Blocking: run it on its own thread. Throws <see cref="ListenerStartException"/> when the device cannot be opened.
    /// </summary>
    /// <returns>The number of lines printed.</returns>
    public static int Run(string interfaceName, string? writeFile, int count, TextWriter output, Action? ready, CancellationToken cancellationToken)
    {
        // A fresh list, enumerated in the calling thread's network namespace.
        var device = LibPcapLiveDeviceList.New().FirstOrDefault(d => string.Equals(d.Name, interfaceName, StringComparison.Ordinal))
            ?? throw new ListenerStartException($"no interface named {interfaceName}");
        try
        {
            device.Open(new DeviceConfiguration { Mode = DeviceModes.None, ReadTimeout = 100, Snaplen = 65535 });
        }
        catch (PcapException e)
        {
            throw new ListenerStartException($"cannot capture on {interfaceName}: {e.Message} (needs root or CAP_NET_RAW)", e);
        }

        using (device)
        {
            device.Filter = "udp";
            using var writer = writeFile is null ? null : new CaptureFileWriterDevice(writeFile);
            writer?.Open(new DeviceConfiguration { LinkLayerType = device.LinkType });
            var decoder = new BootTrafficDecoder();
            int lines = 0;
            ready?.Invoke();
            while (!cancellationToken.IsCancellationRequested && (count == 0 || lines < count))
            {
                var status = device.GetNextPacket(out PacketCapture e);
                if (status != GetPacketStatus.PacketRead)
                {
                    if (status == GetPacketStatus.Error)
                    {
                        throw new IOException($"capture on {interfaceName} failed: {device.LastError}");
                    }

                    continue;
                }

                var raw = e.GetPacket();
                writer?.Write(raw);
                if (decoder.Decode(raw.Timeval.Date, raw.Data, raw.LinkLayerType) is { } line)
                {
                    output.WriteLine(line);
                    output.Flush();
                    lines++;
                }
            }

            device.Close();
            return lines;
        }
    }
}
