using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using PxeServer.Catalog.Hosting;
using PxeServer.Catalog.Loading;
using PxeServer.Catalog.Planning;
using PxeServer.Protocols;
using Xunit;

namespace PxeServer.Catalog.Tests;

public sealed class ServiceRegistrationTests
{
    [Fact]
    public void AddPxeCatalog_RegistersPlannerStoreAndWatcher()
    {
        using var cat = new TempCatalog();
        cat.WriteLoaders();
        cat.AddProfile("p");
        cat.WriteHosts("hosts:\n  - {mac: de:00:00:00:00:de, profile: p}\n");
        var services = new ServiceCollection();
        services.AddPxeCatalog(new CatalogOptions { Path = cat.Dir, Watch = true }, new BootPlannerOptions());
        using var sp = services.BuildServiceProvider();
        var planner = sp.GetRequiredService<IBootPlanner>();
        Assert.Equal(BootOutcome.Boot, planner.Decide(new BootRequest(MacAddress.Parse("de:00:00:00:00:de"))).Outcome);
        Assert.Same(sp.GetRequiredService<CatalogStore>(), sp.GetRequiredService<CatalogStore>());
        Assert.Contains(sp.GetServices<IHostedService>(), s => s is CatalogWatcher);
    }

    [Fact]
    public void AddPxeCatalog_InvalidCatalogOrMissingDefaultProfile_Throws()
    {
        using var cat = new TempCatalog();
        cat.AddProfile("p");
        var ex = Assert.Throws<CatalogLoadException>(() => new ServiceCollection().AddPxeCatalog(
            new CatalogOptions { Path = cat.Dir }, new BootPlannerOptions { UnknownClients = UnknownClientAction.DefaultProfile, DefaultProfile = "nope" }));
        Assert.Contains("catalog.defaultProfile: no profile named 'nope'", ex.Message, StringComparison.Ordinal);
        cat.WriteHosts("hosts: 5\n");
        Assert.Throws<CatalogLoadException>(() => new ServiceCollection().AddPxeCatalog(new CatalogOptions { Path = cat.Dir }));
    }
}
