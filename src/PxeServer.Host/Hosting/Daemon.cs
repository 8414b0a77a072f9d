using System.Net.NetworkInformation;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PxeServer.Host.Configuration;
using PxeServer.Transport;

namespace PxeServer.Host.Hosting;

/// <summary>Builds and runs the generic host for <c>pxe serve</c>.</summary>
internal static class Daemon
{
    /// <summary>How long a stop may take before the host gives up on a service.</summary>
    public static readonly TimeSpan ShutdownTimeout = TimeSpan.FromSeconds(5);

    public static async Task<int> RunAsync(PxeSettings settings, LogLevel level, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        if (CheckInterface(settings.Server) is { } problem)
        {
            await stderr.WriteLineAsync("pxe: " + problem);
            return 1;
        }

        IHost host;
        try
        {
            host = Build(settings, level);
        }
        catch (ConfigException e)
        {
            await stderr.WriteLineAsync("pxe: " + e.Message);
            return 2;
        }
        catch (PxeServer.Catalog.Loading.CatalogLoadException e)
        {
            await stderr.WriteLineAsync("pxe: " + e.Message);
            return 2;
        }

        using var hostScope = host;
        try
        {
            await host.StartAsync(cancellationToken);
        }
        catch (Exception e) when (Unwrap(e) is { } start)
        {
            await stderr.WriteLineAsync("pxe: " + start.Message);
            return 1;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return 0;
        }

        using var reg = cancellationToken.Register(static h => ((IHost)h!).Services.GetRequiredService<IHostApplicationLifetime>().StopApplication(), host);
        await host.WaitForShutdownAsync(CancellationToken.None);
        return 0;
    }

    /// <summary>The host with every service <paramref name="settings"/> asks for.</summary>
    public static IHost Build(PxeSettings settings, LogLevel level)
    {
        var builder = new HostApplicationBuilder(new HostApplicationBuilderSettings
        {
            DisableDefaults = true,
            ContentRootPath = Directory.GetCurrentDirectory(),
        });

        builder.Logging.ClearProviders();
        builder.Logging.SetMinimumLevel(level);
        builder.Logging.AddFilter("Microsoft", LogLevel.Warning);

        // A listener that cannot start is reported by us in one line (exit 1); the host's own stack trace is noise.
        builder.Logging.AddFilter("Microsoft.Extensions.Hosting.Internal.Host", LogLevel.None);
        builder.Logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
            o.UseUtcTimestamp = true;
        });

        // Under systemd: sd_notify READY=1 once started, STOPPING=1 on stop, and journald-style log lines.
        builder.Services.AddSystemd();
        builder.Services.Configure<HostOptions>(o =>
        {
            o.ShutdownTimeout = ShutdownTimeout;
            o.ServicesStartConcurrently = false;
            o.ServicesStopConcurrently = true;
        });
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton(settings);
        builder.Services.AddSingleton(Options.Create(settings.Server));
        builder.Services.AddSingleton(Options.Create(settings.Dhcp));
        builder.Services.AddSingleton(Options.Create(settings.Tftp));
        builder.Services.AddSingleton(Options.Create(settings.Catalog));
        builder.Services.AddSingleton(Options.Create(settings.KubeVirt));

        ServiceWiring.AddPxeServices(builder.Services, settings);

        // Registered last: hosted services start in order, so when this one starts every listener is open.
        builder.Services.AddHostedService<ReadyReporter>();
        return builder.Build();
    }

    /// <summary>A configured interface that does not exist is a start failure, said in one line.</summary>
    internal static string? CheckInterface(ServerOptions server)
    {
        var wanted = server.AllInterfaces();
        if (wanted.Count == 0)
        {
            return null;
        }

        var nics = NetworkInterface.GetAllNetworkInterfaces();
        var missing = wanted.Where(w => !nics.Any(n => n.Name == w)).ToList();
        if (missing.Count == 0)
        {
            return null;
        }

        string which = missing.Count == 1 ? $"no network interface named '{missing[0]}'" : $"no network interfaces named {string.Join(", ", missing.Select(m => $"'{m}'"))}";
        return $"{which} (server.interface/server.interfaces); present: {string.Join(", ", nics.Select(n => n.Name).Order(StringComparer.Ordinal))}";
    }

    private static Exception? Unwrap(Exception e) => e switch
    {
        ListenerStartException l => l,
        SocketException s => new ListenerStartException($"cannot open a socket: {s.Message} ({s.SocketErrorCode})", s),
        UnauthorizedAccessException u => new ListenerStartException(u.Message, u),
        AggregateException a => a.InnerExceptions.Select(Unwrap).FirstOrDefault(x => x is not null),
        _ when e.InnerException is not null => Unwrap(e.InnerException),
        _ => null,
    };
}
