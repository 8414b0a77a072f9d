using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using PxeServer.Transport;

namespace PxeServer.Dhcp;

/// <summary>Registers the DHCP / ProxyDHCP service.</summary>
public static class DhcpServiceCollectionExtensions
{
    /// <summary>
    /// Adds <see cref="DhcpServer"/> as a hosted service and an <see cref="IListenerSource"/>. Needs
    /// <c>IOptions&lt;DhcpOptions&gt;</c>, <c>IOptions&lt;ServerOptions&gt;</c>, an <c>IBootPlanner</c> and a logger;
    /// adds <see cref="TimeProvider.System"/> unless one is registered. In mode <c>off</c> the service does nothing.
    /// </summary>
    public static IServiceCollection AddPxeDhcp(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<DhcpServer>();
        services.AddSingleton<IHostedService>(sp => sp.GetRequiredService<DhcpServer>());
        services.AddSingleton<IListenerSource>(sp => sp.GetRequiredService<DhcpServer>());
        return services;
    }
}
