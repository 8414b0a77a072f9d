using PxeServer.Protocols.Tftp;

namespace PxeServer.Tftp.Engine;

/// <summary>What a session was granted: sizes, timeout, and the OACK to send (if any option was accepted).</summary>
internal readonly record struct TftpTransferParameters(int BlockSize, int WindowSize, int TimeoutSeconds, bool SendOack, TftpRequestOptions Oack)
{
    /// <summary>
    /// RFC 2347: answer only the options the client asked for, each capped by our limits. blksize is
    /// capped by config and MTU (RFC 2348), windowsize by config (RFC 7440), timeout echoed when 1..255
    /// (RFC 2349), tsize answered with the real size. With no accepted option, no OACK: DATA 1 goes first.
    /// </summary>
    public static TftpTransferParameters Negotiate(in TftpRequestOptions requested, long transferSize, int maxBlockSize, int maxWindowSize, int defaultTimeoutSeconds)
    {
        var oack = TftpRequestOptions.None;
        int blockSize = TftpPacket.DefaultBlockSize;
        int windowSize = 1;
        int timeout = defaultTimeoutSeconds;
        if (requested.BlockSize >= TftpRequestOptions.MinBlockSize)
        {
            blockSize = Math.Min(requested.BlockSize, Math.Max(TftpRequestOptions.MinBlockSize, maxBlockSize));
            oack.BlockSize = blockSize;
        }

        if (requested.WindowSize >= 1)
        {
            windowSize = Math.Min(requested.WindowSize, Math.Max(1, maxWindowSize));
            oack.WindowSize = windowSize;
        }

        if (requested.TimeoutSeconds is >= 1 and <= 255)
        {
            timeout = requested.TimeoutSeconds;
            oack.TimeoutSeconds = timeout;
        }

        if (requested.TransferSize >= 0)
        {
            oack.TransferSize = transferSize;
        }

        return new TftpTransferParameters(blockSize, windowSize, timeout, oack.Any, oack);
    }
}
