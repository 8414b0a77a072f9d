using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using PxeServer.Catalog.Hosting;
using PxeServer.Catalog.Planning;
using PxeServer.Dhcp;
using PxeServer.Host.Configuration;
using PxeServer.Tftp;

namespace PxeServer.Host.Hosting;

/// <summary>The one place that decides which services <c>pxe serve</c> runs for the given settings.</summary>
internal static class ServiceWiring
{
    /// <summary>
    /// Catalog (and planner) first, so that a bad catalog fails before any socket opens; then TFTP with the
    /// planner's virtual files in front of the disk; then DHCP. The catalog is required whenever DHCP runs;
    /// TFTP alone (<c>--dhcp-mode off</c>) serves plain files when no catalog directory exists.
    /// </summary>
    /// <exception cref="ConfigException">The catalog is needed but missing.</exception>
    /// <exception cref="PxeServer.Catalog.Loading.CatalogLoadException">The catalog is invalid.</exception>
    public static void AddPxeServices(IServiceCollection services, PxeSettings settings)
    {
        bool dhcp = settings.Dhcp.Mode != DhcpMode.Off;
        bool catalog = Directory.Exists(settings.Catalog.Path);
        if (dhcp && !catalog)
        {
            throw new ConfigException($"catalog.path: '{settings.Catalog.Path}' is not a directory (DHCP mode {PxeConfigLoader.ToKebab(settings.Dhcp.Mode.ToString())} needs a catalog; create one with 'pxe catalog add' or use --dhcp-mode off)");
        }

        if (catalog)
        {
            services.AddPxeCatalog(settings.Catalog, new BootPlannerOptions
            {
                DefaultProfile = settings.Catalog.DefaultProfile,
                UnknownClients = settings.Dhcp.UnknownClients == UnknownClientPolicy.Default ? UnknownClientAction.DefaultProfile : UnknownClientAction.Ignore,
                ServerAddress = EffectiveServerAddress(settings),
            });
            services.AddSingleton<IVirtualFileProvider, PlannerVirtualFiles>();
        }

        if (settings.Tftp.Enabled)
        {
            services.AddPxeTftp();
        }

        if (dhcp)
        {
            services.AddPxeDhcp();
        }
    }

    /// <summary><c>server.address</c>, else the first IPv4 address of <c>server.interface</c>, else none.</summary>
    public static IPAddress? EffectiveServerAddress(PxeSettings settings)
    {
        if (IPAddress.TryParse(settings.Server.Address, out var configured))
        {
            return configured;
        }

        if (string.IsNullOrEmpty(settings.Server.Interface))
        {
            return null;
        }

        return NetworkInterface.GetAllNetworkInterfaces()
            .FirstOrDefault(n => n.Name == settings.Server.Interface)?
            .GetIPProperties().UnicastAddresses
            .Select(u => u.Address)
            .FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork);
    }
}

/// <summary>Serves the boot planner's in-memory files (per-MAC iPXE scripts, pxelinux configs) over TFTP.</summary>
internal sealed class PlannerVirtualFiles : IVirtualFileProvider
{
    private readonly IBootPlanner _planner;

    public PlannerVirtualFiles(IBootPlanner planner) => _planner = planner;

    public bool TryGet(string normalizedPath, IPAddress client, out ReadOnlyMemory<byte> content) =>
        _planner.TryGetVirtualFile(normalizedPath, client, out content);
}
