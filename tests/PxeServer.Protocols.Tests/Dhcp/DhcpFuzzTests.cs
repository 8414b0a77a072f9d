using PxeServer.Protocols.Dhcp;
using Xunit;

namespace PxeServer.Protocols.Tests.Dhcp;

/// <summary>Random mutations of a valid message: the parser returns true or false, never throws, never reads out of bounds.</summary>
public sealed class DhcpFuzzTests
{
    [Fact]
    public void TryParse_RandomMutations_NeverThrow()
    {
        var rng = new Random(4242);
        var seed = DhcpPacketTests.Header().Concat(new byte[]
        {
            53, 1, 1, 52, 1, 3, 43, 7, 71, 4, 0x80, 0, 0, 0, 255, 60, 9, 80, 88, 69, 67, 108, 105, 101, 110, 116,
            77, 5, 4, 105, 80, 88, 69, 93, 2, 0, 7, 55, 3, 1, 3, 67, 255,
        }).ToArray();
        seed[DhcpPacket.FileOffset] = 12; // host name "a", carried in the overloaded file field
        seed[DhcpPacket.FileOffset + 1] = 1;
        seed[DhcpPacket.FileOffset + 2] = (byte)'a';
        seed[DhcpPacket.FileOffset + 3] = 255;
        var packet = new DhcpPacket();
        Assert.True(packet.TryParse(seed));
        int accepted = 0;
        for (int i = 0; i < 20_000; i++)
        {
            var bytes = (byte[])seed.Clone();
            int flips = rng.Next(1, 8);
            for (int f = 0; f < flips; f++)
            {
                int at = rng.Next(DhcpPacket.HlenOffset, bytes.Length);
                bytes[at] = (byte)rng.Next(256);
            }

            int length = rng.Next(4) == 0 ? rng.Next(bytes.Length) : bytes.Length;
            if (packet.TryParse(bytes.AsSpan(0, length)))
            {
                accepted++;
                _ = packet.Architecture;
                _ = packet.IsIpxe;
                _ = packet.TryGetPxeBootItem(out _, out _);
                _ = DhcpPacket.UserClassText(packet.GetOption(DhcpOptionCode.UserClass));
                _ = packet.BootFile.Length + packet.ServerName.Length;
            }
        }

        Assert.InRange(accepted, 1, 20_000);
    }
}
