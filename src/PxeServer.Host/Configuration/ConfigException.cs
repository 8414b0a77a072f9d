namespace PxeServer.Host.Configuration;

/// <summary>Every problem found in the configuration, each as <c>key: message</c>. The CLI prints them and exits 2.</summary>
public sealed class ConfigException : Exception
{
    /// <summary>Creates the exception from a list of problems.</summary>
    public ConfigException(IReadOnlyList<string> errors)
        : base("Invalid configuration:" + Environment.NewLine + string.Join(Environment.NewLine, errors.Select(e => "  - " + e)))
    {
        Errors = errors;
    }

    /// <summary>Creates the exception.</summary>
    public ConfigException() : this([])
    {
    }

    /// <summary>Creates the exception with one problem.</summary>
    public ConfigException(string message) : this([message])
    {
    }

    /// <summary>Creates the exception with one problem.</summary>
    public ConfigException(string message, Exception inner) : base(message, inner)
    {
        Errors = [message];
    }

    /// <summary>The problems, one per entry.</summary>
    public IReadOnlyList<string> Errors { get; }
}
