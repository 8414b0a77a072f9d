using PxeServer.Catalog.Loading;
using PxeServer.Catalog.Planning;
using PxeServer.Protocols;
using Xunit;

namespace PxeServer.Catalog.Tests;

public sealed class MatchingTests : IDisposable
{
    private readonly TempCatalog _cat = new();

    public MatchingTests()
    {
        _cat.WriteLoaders();
        foreach (var p in new[] { "exact", "list", "list2", "oui", "oui-long", "fallback" })
        {
            _cat.AddProfile(p);
        }

        _cat.WriteHosts("""
            hosts:
              - mac: de:00:00:00:00:de
                profile: exact
                name: vm-exact
            rules:
              - name: oui
                profile: oui
                prefix: "de:00:00:*"
              - name: listed
                profile: list
                macs: [de:00:00:00:00:de, de:00:00:00:00:01, 52-54-00-00-00-01]
              - name: listed-again
                profile: list2
                macs: [de:00:00:00:00:01, de:00:00:00:00:02]
              - name: oui-longer
                profile: oui-long
                prefix: "de:00:00:00:*"
              - name: oui-same-length-later
                profile: fallback
                prefix: "de:00:00:00:*"
            """);
    }

    public void Dispose() => _cat.Dispose();

    private BootDecision Decide(string mac, BootPlannerOptions? options = null) =>
        BootPlanner.Decide(CatalogLoader.Load(_cat.Dir), new BootRequest(MacAddress.Parse(mac)), options ?? new BootPlannerOptions());

    [Fact]
    public void ExactMac_BeatsListAndPrefix()
    {
        var d = Decide("de:00:00:00:00:de");
        Assert.Equal(MatchKind.ExactMac, d.Match);
        Assert.Equal("exact", d.Profile);
        Assert.Equal("vm-exact", d.Hostname);
    }

    [Fact]
    public void MacList_BeatsPrefix_AndFirstListInFileOrderWins()
    {
        var d = Decide("de:00:00:00:00:01");
        Assert.Equal(MatchKind.MacList, d.Match);
        Assert.Equal("list", d.Profile);
        Assert.Equal("listed", d.MatchedRule);
        Assert.Equal("list2", Decide("de:00:00:00:00:02").Profile);
        Assert.Equal("list", Decide("52:54:00:00:00:01").Profile);
    }

    [Fact]
    public void Prefix_LongestWins_ThenFileOrder()
    {
        var d = Decide("de:00:00:00:12:34");
        Assert.Equal(MatchKind.MacPrefix, d.Match);
        Assert.Equal("oui-long", d.Profile);
        Assert.Contains("de:00:00:00:*", d.MatchedRule, StringComparison.Ordinal);
        var shorter = Decide("de:00:00:12:34:56");
        Assert.Equal("oui", shorter.Profile);
        Assert.Equal(BootOutcome.Boot, shorter.Outcome);
    }

    [Fact]
    public void Unknown_IgnoredByDefault_EvenWithADefaultProfileConfigured()
    {
        var d = Decide("52:54:00:99:99:99", new BootPlannerOptions { DefaultProfile = "fallback" });
        Assert.Equal(BootOutcome.Ignore, d.Outcome);
        Assert.Equal(MatchKind.None, d.Match);
        Assert.Null(d.BootFile);
    }

    [Fact]
    public void Unknown_GetsDefaultProfile_WhenPolicySaysSo()
    {
        var d = Decide("52:54:00:99:99:99", new BootPlannerOptions { UnknownClients = UnknownClientAction.DefaultProfile, DefaultProfile = "fallback" });
        Assert.Equal(BootOutcome.Boot, d.Outcome);
        Assert.Equal(MatchKind.Default, d.Match);
        Assert.Equal("fallback", d.Profile);
        // Known MACs still win over the default.
        Assert.Equal("exact", Decide("de:00:00:00:00:de", new BootPlannerOptions { UnknownClients = UnknownClientAction.DefaultProfile, DefaultProfile = "fallback" }).Profile);
    }

    [Fact]
    public void Unknown_DefaultPolicyWithMissingProfile_RefusesWithReason()
    {
        var d = Decide("52:54:00:99:99:99", new BootPlannerOptions { UnknownClients = UnknownClientAction.DefaultProfile, DefaultProfile = "nope" });
        Assert.Equal(BootOutcome.Refuse, d.Outcome);
        Assert.Contains("nope", d.Reason, StringComparison.Ordinal);
        var unset = Decide("52:54:00:99:99:99", new BootPlannerOptions { UnknownClients = UnknownClientAction.DefaultProfile });
        Assert.Equal(BootOutcome.Refuse, unset.Outcome);
        Assert.Contains("defaultProfile", unset.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("de:00:00:00:00:de")]
    [InlineData("DE-00-00-00-00-DE")]
    [InlineData("de00.0000.00de")]
    [InlineData("de00000000de")]
    public void RequestMac_AnySpelling_MatchesTheSameHost(string spelling) =>
        Assert.Equal("exact", Decide(spelling).Profile);
}
