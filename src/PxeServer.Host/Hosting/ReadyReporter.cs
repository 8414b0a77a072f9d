using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using PxeServer.Host.Configuration;
using PxeServer.Transport;

namespace PxeServer.Host.Hosting;

/// <summary>Logs the one "ready" line, naming every listener, once all of them are open.</summary>
internal sealed partial class ReadyReporter : IHostedService
{
    private readonly IEnumerable<IListenerSource> _sources;
    private readonly PxeSettings _settings;
    private readonly ILogger _logger;

    public ReadyReporter(IEnumerable<IListenerSource> sources, PxeSettings settings, ILoggerFactory loggers)
    {
        _sources = sources;
        _settings = settings;
        _logger = loggers.CreateLogger("PxeServer");
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var listeners = _sources.SelectMany(s => s.Listeners).ToList();
        string list = listeners.Count == 0 ? "no listeners" : string.Join("; ", listeners);
        string mode = PxeConfigLoader.ToKebab(_settings.Dhcp.Mode.ToString());
        LogReady(_logger, list, mode, _settings.ConfigFile ?? "(none, defaults and flags)");
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        LogStopping(_logger);
        return Task.CompletedTask;
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "PxeServer ready: {Listeners} (dhcp mode {Mode}, config {ConfigFile})")]
    private static partial void LogReady(ILogger logger, string listeners, string mode, string configFile);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "PxeServer stopping")]
    private static partial void LogStopping(ILogger logger);
}
