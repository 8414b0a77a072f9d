namespace PxeServer.Tftp.Engine;

/// <summary>Where a session's datagrams go: the session's own UDP socket, or a fake in tests.</summary>
internal interface ITftpSessionTransport
{
    /// <summary>Sends one datagram to the session's client. Must not keep <paramref name="datagram"/>.</summary>
    void Send(ReadOnlySpan<byte> datagram);
}
