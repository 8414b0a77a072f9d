namespace PxeServer.Host.Cli;

/// <summary>The exit codes other tools rely on (architecture.md, "Contracts").</summary>
internal static class ExitCodes
{
    /// <summary>Success.</summary>
    public const int Success = 0;

    /// <summary>Runtime failure (busy port, missing interface, verify mismatch, ...).</summary>
    public const int RuntimeFailure = 1;

    /// <summary>Usage or configuration error.</summary>
    public const int UsageError = 2;
}
