using System.Net;

namespace PxeServer.Transport;

/// <summary>The <c>server:</c> section: where the daemon listens and what it calls itself.</summary>
public sealed class ServerOptions
{
    /// <summary>Configuration section name.</summary>
    public const string SectionName = "server";

    /// <summary>
    /// The interface to serve on: a VLAN sub-interface such as <c>br1.10</c>, or a bridge. Empty: all
    /// interfaces (fine for TFTP on loopback; DHCP needs an interface).
    /// </summary>
    public string? Interface { get; set; }

    /// <summary>
    /// More interfaces to serve DHCP/ProxyDHCP on, besides <see cref="Interface"/> (e.g. several VLAN sub-interfaces).
    /// </summary>
    public List<string> Interfaces { get; set; } = [];

    /// <summary><see cref="Interface"/> and <see cref="Interfaces"/>, without duplicates or empty names.</summary>
    public IReadOnlyList<string> AllInterfaces() =>
        (string.IsNullOrEmpty(Interface) ? Interfaces : Interfaces.Prepend(Interface))
            .Where(n => !string.IsNullOrWhiteSpace(n)).Distinct(StringComparer.Ordinal).ToList();

    /// <summary>Our IPv4 address on that interface: the next-server clients fetch from. Empty: taken from the interface.</summary>
    public string? Address { get; set; }

    /// <summary>Adds every problem to <paramref name="errors"/> as <c>key: message</c>.</summary>
    public void Validate(ICollection<string> errors)
    {
        if (!string.IsNullOrEmpty(Address) && (!IPAddress.TryParse(Address, out var ip) || ip.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork || Address.Count(c => c == '.') != 3))
        {
            errors.Add($"server.address: '{Address}' is not an IPv4 address");
        }

        if (Interface is { Length: > 15 })
        {
            errors.Add($"server.interface: '{Interface}' is longer than 15 characters, the Linux limit for an interface name");
        }

        for (int i = 0; i < Interfaces.Count; i++)
        {
            if (string.IsNullOrWhiteSpace(Interfaces[i]) || Interfaces[i].Length > 15)
            {
                errors.Add($"server.interfaces[{i}]: '{Interfaces[i]}' is not an interface name (1..15 characters)");
            }
        }
    }
}
