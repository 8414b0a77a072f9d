using System.Net;

namespace PxeServer.Tftp;

/// <summary>
/// Files served from memory ahead of the disk: the catalog's per-MAC configs and iPXE scripts.
/// Called on the request path for every read request, so it must be fast and must not block.
/// </summary>
public interface IVirtualFileProvider
{
    /// <summary>
    /// Returns the content for <paramref name="normalizedPath"/> (relative to the TFTP root, '/'-separated,
    /// no leading '/', no '.' or '..' segments, e.g. <c>pxelinux.cfg/01-de-00-00-00-00-de</c>), as asked by <paramref name="client"/>.
    /// </summary>
    bool TryGet(string normalizedPath, IPAddress client, out ReadOnlyMemory<byte> content);
}
