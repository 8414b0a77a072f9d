using Microsoft.Extensions.DependencyInjection;
using PxeServer.Host.Configuration;

namespace PxeServer.Host.Hosting;

/// <summary>The one place that decides which services <c>pxe serve</c> runs for the given settings.</summary>
internal static class ServiceWiring
{
    public static void AddPxeServices(IServiceCollection services, PxeSettings settings)
    {
        _ = services;
        _ = settings;
    }
}
