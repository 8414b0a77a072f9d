namespace PxeServer.Protocols.Tftp;

/// <summary>TFTP opcodes: RFC 1350 §5 (1..5) and RFC 2347 (6, OACK).</summary>
public enum TftpOpcode : ushort
{
    /// <summary>Read request.</summary>
    Rrq = 1,

    /// <summary>Write request.</summary>
    Wrq = 2,

    /// <summary>Data block.</summary>
    Data = 3,

    /// <summary>Acknowledgment.</summary>
    Ack = 4,

    /// <summary>Error.</summary>
    Error = 5,

    /// <summary>Option acknowledgment (RFC 2347).</summary>
    Oack = 6,
}

/// <summary>TFTP error codes: RFC 1350 appendix, plus 8 from RFC 2347.</summary>
public enum TftpErrorCode : ushort
{
    /// <summary>Not defined, see error message.</summary>
    NotDefined = 0,

    /// <summary>File not found.</summary>
    FileNotFound = 1,

    /// <summary>Access violation.</summary>
    AccessViolation = 2,

    /// <summary>Disk full or allocation exceeded.</summary>
    DiskFull = 3,

    /// <summary>Illegal TFTP operation.</summary>
    IllegalOperation = 4,

    /// <summary>Unknown transfer ID.</summary>
    UnknownTransferId = 5,

    /// <summary>File already exists.</summary>
    FileAlreadyExists = 6,

    /// <summary>No such user.</summary>
    NoSuchUser = 7,

    /// <summary>Option negotiation refused (RFC 2347); OVMF sends it to abort its tsize probe.</summary>
    OptionNegotiation = 8,
}

/// <summary>Transfer mode of a request (RFC 1350 §5).</summary>
public enum TftpMode : byte
{
    /// <summary>Raw 8-bit bytes.</summary>
    Octet = 0,

    /// <summary>NVT ASCII: CR LF line ends, bare CR sent as CR NUL.</summary>
    NetAscii = 1,

    /// <summary>Obsolete mail mode (RFC 1350 says it should not be implemented); always refused.</summary>
    Mail = 2,
}
