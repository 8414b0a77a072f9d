using BenchmarkDotNet.Attributes;
using Microsoft.Win32.SafeHandles;
using PxeServer.Protocols.Tftp;
using PxeServer.Tftp.Engine;

namespace PxeServer.Benchmarks.Tftp;

/// <summary>
/// The socket-free session loop: one ACK in, one DATA out (read from memory or with a positional read
/// from a file), per operation. The allocation column is per DATA packet and must read 0 B (the only
/// allocations are the session object itself, amortized over 8 MiB of blocks).
/// </summary>
[MemoryDiagnoser]
public class TftpSessionBenchmarks
{
    private const int FileSize = 8 * 1024 * 1024;
    private const int BlockSize = 1468;
    private const int Blocks = (FileSize / BlockSize) + 1;

    private readonly byte[] _sendBuffer = new byte[65536];
    private readonly byte[] _ack = new byte[4];
    private byte[] _content = [];
    private string _path = string.Empty;
    private SafeFileHandle? _file;
    private TftpTransferParameters _parameters;

    [Params(1, 16)]
    public int WindowSize { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _content = new byte[FileSize];
        new Random(1).NextBytes(_content);
        _path = Path.Combine(Path.GetTempPath(), $"pxe-bench-{Environment.ProcessId}.bin");
        File.WriteAllBytes(_path, _content);
        _file = File.OpenHandle(_path);
        var requested = TftpRequestOptions.None;
        requested.BlockSize = BlockSize;
        requested.WindowSize = WindowSize;
        _parameters = TftpTransferParameters.Negotiate(requested, FileSize, 65464, 64, 1) with { SendOack = false };
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _file?.Dispose();
        File.Delete(_path);
    }

    [Benchmark(OperationsPerInvoke = Blocks)]
    public long WholeFileFromMemory() => Run(new MemoryFileContent(_content));

    [Benchmark(OperationsPerInvoke = Blocks)]
    public long WholeFileFromDisk() => Run(new DiskFileContent(_file!, FileSize));

    private long Run(ITftpFileContent content)
    {
        var transport = new CountingTransport();
        var session = new TftpSendSession(transport, content, _parameters, _sendBuffer, 1000, 5);
        session.Start(0);
        long block = 0;
        while (session.Status == TftpSessionStatus.Active)
        {
            block += WindowSize;
            TftpPacket.TryWriteAck(_ack, (ushort)Math.Min(block, Blocks), out _);
            session.OnDatagram(_ack, 0);
        }

        return transport.Bytes;
    }

    /// <summary>Counts bytes; DATA is queued by pointer as the socket transport does (no copy), so this times the engine alone.</summary>
    private sealed unsafe class CountingTransport : ITftpSessionTransport
    {
        public long Bytes { get; private set; }

        public void Send(ReadOnlySpan<byte> datagram) => Bytes += datagram.Length;

        public void QueueData(ushort block, byte* payload, int length) => Bytes += TftpPacket.DataHeaderSize + length;

        public void Flush()
        {
        }
    }
}
