using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;

namespace PxeServer.Transport.Udp;

/// <summary>An interface we serve on, as found at start.</summary>
/// <param name="Name">Kernel name (<c>br1.10</c>).</param>
/// <param name="Index">Kernel interface index (what IP_PKTINFO reports).</param>
/// <param name="Address">Its first IPv4 address, or null.</param>
/// <param name="PrefixLength">The prefix length of <paramref name="Address"/>.</param>
public sealed record InterfaceAddress(string Name, int Index, IPAddress? Address, int PrefixLength);

/// <summary>Looks interfaces up by name (Linux).</summary>
public static class NetworkInterfaces
{
    /// <summary>Finds <paramref name="name"/> or throws <see cref="ListenerStartException"/> ("no interface named br1.10").</summary>
    public static InterfaceAddress Find(string name)
    {
        NetworkInterface[] all;
        try
        {
            all = NetworkInterface.GetAllNetworkInterfaces();
        }
        catch (NetworkInformationException e)
        {
            throw new ListenerStartException($"cannot list network interfaces: {e.Message}", e);
        }

        foreach (var nic in all)
        {
            if (!string.Equals(nic.Name, name, StringComparison.Ordinal))
            {
                continue;
            }

            var props = nic.GetIPProperties();
            int index = props.GetIPv4Properties()?.Index ?? -1;
            foreach (var ua in props.UnicastAddresses)
            {
                if (ua.Address.AddressFamily == AddressFamily.InterNetwork)
                {
                    return new InterfaceAddress(name, index, ua.Address, ua.PrefixLength);
                }
            }

            return new InterfaceAddress(name, index, null, 0);
        }

        throw new ListenerStartException($"no interface named {name}");
    }
}
