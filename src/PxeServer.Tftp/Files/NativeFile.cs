using System.Runtime.InteropServices;

namespace PxeServer.Tftp.Files;

/// <summary>What <c>stat(2)</c> says about a path.</summary>
internal readonly record struct FileIdentity(bool IsRegular, long Inode, long Size, long MTimeSec, long MTimeNsec, long CTimeSec, long CTimeNsec);

/// <summary>
/// libc's <c>realpath(3)</c> (every symlink resolved, so the root check sees where a path really leads)
/// and <c>stat(2)</c> (to refuse devices, FIFOs and sockets before opening, and to detect changed files).
/// </summary>
internal static partial class NativeFile
{
    private const uint FileTypeMask = 0xF000;
    private const uint RegularFile = 0x8000;

    /// <summary>The canonical path, or null if it does not exist.</summary>
    public static string? RealPath(string path)
    {
        nint result = realpath(path, 0);
        if (result == 0)
        {
            return null;
        }

        try
        {
            return Marshal.PtrToStringUTF8(result);
        }
        finally
        {
            free(result);
        }
    }

    /// <summary>stat(2) of <paramref name="path"/>; false if it fails.</summary>
    public static unsafe bool TryStat(string path, out FileIdentity identity)
    {
        identity = default;
        var arch = RuntimeInformation.ProcessArchitecture;
        if (!OperatingSystem.IsLinux() || arch is not (Architecture.X64 or Architecture.Arm64))
        {
            // Layout unknown here: fall back to what the BCL offers (no file-type check).
            var info = new FileInfo(path);
            if (!info.Exists)
            {
                return false;
            }

            long t = info.LastWriteTimeUtc.Ticks;
            identity = new FileIdentity(true, 0, info.Length, t, 0, t, 0);
            return true;
        }

        byte* buffer = stackalloc byte[256];
        if (stat(path, buffer) != 0)
        {
            return false;
        }

        // struct stat: x86_64 has st_mode at 24 (after a 64-bit st_nlink); the generic layout used by arm64 at 16.
        // Both have st_ino at 8, st_size at 48, st_mtim at 88 and st_ctim at 104.
        uint mode = arch == Architecture.X64 ? *(uint*)(buffer + 24) : *(uint*)(buffer + 16);
        identity = new FileIdentity(
            (mode & FileTypeMask) == RegularFile,
            *(long*)(buffer + 8),
            *(long*)(buffer + 48),
            *(long*)(buffer + 88),
            *(long*)(buffer + 96),
            *(long*)(buffer + 104),
            *(long*)(buffer + 112));
        return true;
    }

    [LibraryImport("libc", EntryPoint = "realpath", StringMarshalling = StringMarshalling.Utf8)]
    private static partial nint realpath(string path, nint resolved);

    [LibraryImport("libc", EntryPoint = "free")]
    private static partial void free(nint pointer);

    [LibraryImport("libc", EntryPoint = "stat", StringMarshalling = StringMarshalling.Utf8)]
    private static unsafe partial int stat(string path, byte* buffer);
}
