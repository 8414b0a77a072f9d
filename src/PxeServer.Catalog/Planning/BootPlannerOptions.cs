using System.Net;

namespace PxeServer.Catalog.Planning;

/// <summary>What the planner does with a MAC that no host entry or rule matches.</summary>
public enum UnknownClientAction
{
    /// <summary>Stay silent (the default): another server may own the client.</summary>
    Ignore,

    /// <summary>Boot <see cref="BootPlannerOptions.DefaultProfile"/>.</summary>
    DefaultProfile,
}

/// <summary>Inputs of the planner that come from configuration rather than the catalog.</summary>
public sealed record BootPlannerOptions
{
    /// <summary>Unknown MACs: ignore (default) or boot the default profile (<c>dhcp.unknownClients</c>).</summary>
    public UnknownClientAction UnknownClients { get; init; } = UnknownClientAction.Ignore;

    /// <summary>The profile for unknown MACs (<c>catalog.defaultProfile</c>).</summary>
    public string? DefaultProfile { get; init; }

    /// <summary>
    /// The server's own address (<c>server.address</c>) for <c>${server}</c> and tftp:// URLs. When null,
    /// iPXE scripts use iPXE's <c>${next-server}</c> and pxelinux configs render <c>${server}</c> as empty.
    /// </summary>
    public IPAddress? ServerAddress { get; init; }
}
