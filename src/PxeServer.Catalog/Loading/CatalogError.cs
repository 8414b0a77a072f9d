namespace PxeServer.Catalog.Loading;

/// <summary>One problem found while loading the catalog.</summary>
/// <param name="File">Path relative to the catalog directory (e.g. <c>profiles/lab-linux.yaml</c>).</param>
/// <param name="Line">1-based line, 0 when the problem is not tied to a line.</param>
/// <param name="Message">The reason, starting with the key it concerns.</param>
public sealed record CatalogError(string File, int Line, string Message)
{
    /// <summary><c>file:line: message</c>.</summary>
    public override string ToString() => Line > 0 ? $"{File}:{Line}: {Message}" : $"{File}: {Message}";
}

/// <summary>The catalog could not be loaded; <see cref="Errors"/> lists every problem.</summary>
public sealed class CatalogLoadException : Exception
{
    /// <summary>Creates the exception.</summary>
    public CatalogLoadException(string directory, IReadOnlyList<CatalogError> errors)
        : base($"The catalog in '{directory}' is invalid ({errors.Count} problem(s)):{Environment.NewLine}  " +
               string.Join(Environment.NewLine + "  ", errors))
    {
        Directory = directory;
        Errors = errors;
    }

    /// <summary>Creates the exception.</summary>
    public CatalogLoadException()
        : this(string.Empty, [])
    {
    }

    /// <summary>Creates the exception.</summary>
    public CatalogLoadException(string message)
        : base(message)
    {
        Directory = string.Empty;
        Errors = [];
    }

    /// <summary>Creates the exception.</summary>
    public CatalogLoadException(string message, Exception innerException)
        : base(message, innerException)
    {
        Directory = string.Empty;
        Errors = [];
    }

    /// <summary>The catalog directory.</summary>
    public string Directory { get; }

    /// <summary>Every problem, with file and line.</summary>
    public IReadOnlyList<CatalogError> Errors { get; }
}
