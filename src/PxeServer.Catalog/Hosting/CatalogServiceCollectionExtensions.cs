using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using PxeServer.Catalog.Loading;
using PxeServer.Catalog.Planning;

namespace PxeServer.Catalog.Hosting;

/// <summary>Registers the catalog, the boot planner and the reload watcher.</summary>
public static class CatalogServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="CatalogStore"/> (loaded now from <paramref name="catalog"/>.Path: throws
    /// <see cref="Loading.CatalogLoadException"/> listing every problem, which the host turns into exit 2),
    /// <see cref="IBootPlanner"/> and, when <see cref="CatalogOptions.Watch"/>, the <see cref="CatalogWatcher"/> hosted service.
    /// </summary>
    public static IServiceCollection AddPxeCatalog(this IServiceCollection services, CatalogOptions catalog, BootPlannerOptions? planner = null, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        planner ??= new BootPlannerOptions { DefaultProfile = catalog.DefaultProfile };
        var store = CatalogStore.Load(catalog.Path, time);
        if (planner.UnknownClients == UnknownClientAction.DefaultProfile &&
            (planner.DefaultProfile is null || !store.Current.Profiles.ContainsKey(planner.DefaultProfile)))
        {
            throw new CatalogLoadException(catalog.Path, [new CatalogError("(configuration)", 0, planner.DefaultProfile is null
                ? "catalog.defaultProfile: must name a profile when dhcp.unknownClients is default"
                : $"catalog.defaultProfile: no profile named '{planner.DefaultProfile}' in the catalog")]);
        }

        return services.AddPxeCatalog(store, catalog.Watch, planner);
    }

    /// <summary>Registers an already loaded store.</summary>
    public static IServiceCollection AddPxeCatalog(this IServiceCollection services, CatalogStore store, bool watch, BootPlannerOptions planner)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(store);
        services.AddSingleton(planner);
        services.AddSingleton<BootPlanner>(sp => new BootPlanner(sp.GetRequiredService<CatalogStore>(), sp.GetRequiredService<BootPlannerOptions>()));
        services.AddSingleton<IBootPlanner>(sp => sp.GetRequiredService<BootPlanner>());
        if (watch)
        {
            services.AddSingleton(sp => new CatalogWatcher(
                sp.GetRequiredService<CatalogStore>(),
                sp.GetService<ILogger<CatalogWatcher>>(),
                sp.GetRequiredService<TimeProvider>()));
            services.AddHostedService(sp => sp.GetRequiredService<CatalogWatcher>());
        }

        return services;
    }
}
