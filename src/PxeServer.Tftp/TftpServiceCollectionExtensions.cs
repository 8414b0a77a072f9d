using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using PxeServer.Transport;

namespace PxeServer.Tftp;

/// <summary>Registers the TFTP server.</summary>
public static class TftpServiceCollectionExtensions
{
    /// <summary>
    /// Adds <see cref="TftpServer"/> as a singleton, a hosted service and an <see cref="IListenerSource"/>.
    /// The caller provides <c>IOptions&lt;TftpOptions&gt;</c> and <c>IOptions&lt;ServerOptions&gt;</c>
    /// (e.g. <c>Options.Create(settings.Tftp)</c>) and, optionally, an <see cref="IVirtualFileProvider"/>.
    /// </summary>
    public static IServiceCollection AddPxeTftp(this IServiceCollection services)
    {
        services.AddOptions();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<TftpServer>();
        services.AddHostedService(sp => sp.GetRequiredService<TftpServer>());
        services.AddSingleton<IListenerSource>(sp => sp.GetRequiredService<TftpServer>());
        return services;
    }
}
