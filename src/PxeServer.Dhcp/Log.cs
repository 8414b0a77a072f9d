using System.Net;
using Microsoft.Extensions.Logging;

namespace PxeServer.Dhcp;

/// <summary>DHCP log messages; event ids 4000-4099. Bad client input is Debug; operator faults are Warning/Error.</summary>
internal static partial class Log
{
    [LoggerMessage(4000, LogLevel.Error, "The boot planner threw for {Mac}; the client gets no reply")]
    public static partial void PlannerFailed(ILogger logger, string mac, Exception exception);

    [LoggerMessage(4001, LogLevel.Debug, "Malformed DHCP datagram ({Length} bytes) from {Source} on {InterfaceName}: {Error}")]
    public static partial void Malformed(ILogger logger, int length, IPEndPoint source, string interfaceName, string error);

    [LoggerMessage(4002, LogLevel.Debug, "{InterfaceName}:{Port} {Type} from {Mac} arch {Arch}: no reply ({Reason}) {Decision}")]
    public static partial void Dropped(ILogger logger, string interfaceName, int port, string type, string mac, string arch, string reason, string? decision);

    [LoggerMessage(4003, LogLevel.Information, "{InterfaceName}:{Port} {Type} from {Mac} arch {Arch} -> {Reply} {Address} file {File} ({Reason})")]
    public static partial void Replied(ILogger logger, string interfaceName, int port, string type, string mac, string arch, string reply, string address, string? file, string? reason);

    [LoggerMessage(4004, LogLevel.Warning, "Lease commit queue full: dropped a {Type} for {Mac}; the client will retransmit")]
    public static partial void CommitQueueFull(ILogger logger, string type, string mac);

    [LoggerMessage(4005, LogLevel.Error, "Could not persist {Count} lease change(s); their replies are not sent")]
    public static partial void CommitFailed(ILogger logger, int count, Exception exception);

    [LoggerMessage(4006, LogLevel.Debug, "Receive error on {InterfaceName}:{Port}: {Error}")]
    public static partial void ReceiveError(ILogger logger, string interfaceName, int port, string error);

    [LoggerMessage(4007, LogLevel.Debug, "Send error on {InterfaceName} to {Destination}: {Error}")]
    public static partial void SendError(ILogger logger, string interfaceName, IPEndPoint destination, string error);

    [LoggerMessage(4008, LogLevel.Information, "DHCP {Mode} mode listening: {Listeners}")]
    public static partial void Listening(ILogger logger, string mode, string listeners);

    [LoggerMessage(4010, LogLevel.Debug, "{InterfaceName}:{Port} offer to {Mac} arch {Arch} file {File}")]
    public static partial void Offered(ILogger logger, string interfaceName, int port, string mac, string arch, string? file);

    [LoggerMessage(4009, LogLevel.Information, "Loaded {Count} lease(s) from {Path}")]
    public static partial void LeasesLoaded(ILogger logger, int count, string path);
}
