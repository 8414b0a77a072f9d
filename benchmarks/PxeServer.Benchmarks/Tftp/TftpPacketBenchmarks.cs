using BenchmarkDotNet.Attributes;
using PxeServer.Protocols.Tftp;

namespace PxeServer.Benchmarks.Tftp;

/// <summary>Parse and build of the packets on the hot paths, over golden bytes. Expect 0 B allocated.</summary>
[MemoryDiagnoser]
public class TftpPacketBenchmarks
{
    private const int Operations = 1000;

    private static readonly byte[] s_ovmfRrq =
    [
        0x00, 0x01, .. "pxelinux.0"u8, 0x00, .. "octet"u8, 0x00,
        .. "blksize"u8, 0x00, .. "1468"u8, 0x00, .. "windowsize"u8, 0x00, .. "4"u8, 0x00, .. "tsize"u8, 0x00, .. "0"u8, 0x00,
    ];

    private static readonly byte[] s_ack = [0x00, 0x04, 0x12, 0x34];
    private readonly byte[] _buffer = new byte[1500];
    private TftpRequestOptions _oack;

    [GlobalSetup]
    public void Setup()
    {
        _oack = TftpRequestOptions.None;
        _oack.BlockSize = 1468;
        _oack.TransferSize = 123_456_789;
        _oack.WindowSize = 4;
    }

    [Benchmark(OperationsPerInvoke = Operations)]
    public int ReadRrqWithOptions()
    {
        int sum = 0;
        for (int i = 0; i < Operations; i++)
        {
            TftpPacket.TryReadRequest(s_ovmfRrq, out var request);
            sum += request.Options.BlockSize;
        }

        return sum;
    }

    [Benchmark(OperationsPerInvoke = Operations)]
    public int ReadAck()
    {
        int sum = 0;
        for (int i = 0; i < Operations; i++)
        {
            TftpPacket.TryReadAck(s_ack, out ushort block);
            sum += block;
        }

        return sum;
    }

    [Benchmark(OperationsPerInvoke = Operations)]
    public int WriteDataHeader()
    {
        int sum = 0;
        for (int i = 0; i < Operations; i++)
        {
            TftpPacket.TryWriteDataHeader(_buffer, (ushort)i);
            sum += _buffer[3];
        }

        return sum;
    }

    [Benchmark(OperationsPerInvoke = Operations)]
    public int WriteOack()
    {
        int sum = 0;
        for (int i = 0; i < Operations; i++)
        {
            TftpPacket.TryWriteOack(_buffer, _oack, out int written);
            sum += written;
        }

        return sum;
    }
}
