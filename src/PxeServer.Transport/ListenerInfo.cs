namespace PxeServer.Transport;

/// <summary>One socket the daemon listens on, for the ready line and <c>pxe status</c>.</summary>
/// <param name="Protocol">e.g. <c>tftp</c>, <c>dhcp</c>, <c>proxydhcp</c>.</param>
/// <param name="Address">Bound address (<c>0.0.0.0</c> for any).</param>
/// <param name="Port">Bound UDP port (the real one, when 0 was asked for).</param>
/// <param name="Interface">Interface bound with SO_BINDTODEVICE, or null for all.</param>
public sealed record ListenerInfo(string Protocol, string Address, int Port, string? Interface)
{
    /// <inheritdoc/>
    public override string ToString() => $"{Protocol} udp {Address}:{Port}" + (Interface is null ? string.Empty : $" on {Interface}");
}

/// <summary>A hosted service that listens: it lists its sockets once started.</summary>
public interface IListenerSource
{
    /// <summary>The sockets this service listens on; empty before it has started.</summary>
    IReadOnlyList<ListenerInfo> Listeners { get; }
}

/// <summary>
/// Thrown at start when a listener cannot be opened (port in use, no such interface, no permission).
/// The host prints <see cref="Exception.Message"/> as one line and exits 1.
/// </summary>
public sealed class ListenerStartException : Exception
{
    /// <summary>Creates the exception with a one-line, user-facing message.</summary>
    public ListenerStartException(string message, Exception? inner = null) : base(message, inner)
    {
    }

    /// <summary>Creates the exception.</summary>
    public ListenerStartException() : base("A listener could not be started.")
    {
    }

    /// <summary>Creates the exception.</summary>
    public ListenerStartException(string message) : base(message)
    {
    }
}
