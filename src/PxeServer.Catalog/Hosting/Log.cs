using Microsoft.Extensions.Logging;

namespace PxeServer.Catalog.Hosting;

/// <summary>Catalog log messages; event IDs 5000-5099.</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 5000, Level = LogLevel.Information, Message = "Catalog {Directory}: {Profiles} profile(s), {Hosts} host(s), {Rules} rule(s)")]
    public static partial void Loaded(ILogger logger, string directory, int profiles, int hosts, int rules);

    [LoggerMessage(EventId = 5001, Level = LogLevel.Information, Message = "Catalog reloaded: {Profiles} profile(s), {Hosts} host(s), {Rules} rule(s)")]
    public static partial void Reloaded(ILogger logger, int profiles, int hosts, int rules);

    [LoggerMessage(EventId = 5002, Level = LogLevel.Error, Message = "Catalog edit rejected, the last good catalog stays live: {Error}")]
    public static partial void ReloadRejected(ILogger logger, string error);

    [LoggerMessage(EventId = 5003, Level = LogLevel.Debug, Message = "Catalog change seen: {Path}")]
    public static partial void ChangeSeen(ILogger logger, string path);

    [LoggerMessage(EventId = 5004, Level = LogLevel.Warning, Message = "Catalog watcher error; reloading anyway")]
    public static partial void WatcherError(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 5005, Level = LogLevel.Warning, Message = "Catalog reload failed unexpectedly; the last good catalog stays live")]
    public static partial void ReloadFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 5006, Level = LogLevel.Warning, Message = "Cannot watch the catalog for changes; polling every {Interval} instead")]
    public static partial void PollingInstead(ILogger logger, TimeSpan interval, Exception exception);
}
