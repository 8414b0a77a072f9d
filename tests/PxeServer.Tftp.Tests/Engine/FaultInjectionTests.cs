using PxeServer.Protocols.Tftp;
using PxeServer.Tftp.Engine;
using Xunit;

namespace PxeServer.Tftp.Tests.Engine;

/// <summary>
/// The engine over a seeded lossy network (drop, duplicate, reorder both ways) with a simulated
/// RFC 7440 client and simulated time: every transfer must complete with every byte right.
/// </summary>
public sealed class FaultInjectionTests
{
    private const long Frequency = 1_000; // 1 tick = 1 ms

    [Theory]
    [InlineData(1, 512, 1)]
    [InlineData(2, 1468, 1)]
    [InlineData(3, 1468, 4)]
    [InlineData(4, 512, 16)]
    [InlineData(5, 8192, 64)]
    [InlineData(6, 1468, 8)]
    public void LossyNetwork_TransferCompletesIntact(int seed, int blockSize, int window)
    {
        var random = new Random(seed);
        var content = new byte[(blockSize * 300) + random.Next(blockSize)];
        random.NextBytes(content);
        var requested = TftpRequestOptions.None;
        requested.BlockSize = blockSize;
        requested.WindowSize = window;
        var parameters = TftpTransferParameters.Negotiate(requested, content.Length, 65464, 64, 1);
        var transport = new FakeTransport();
        var session = new TftpSendSession(transport, new MemoryFileContent(content), parameters, new byte[blockSize + 4 + 128], Frequency, 50);
        var client = new SimulatedClient(blockSize, window);

        // In-flight datagrams with their arrival time; toClient and toServer.
        var toClient = new List<(long At, byte[] Bytes)>();
        var toServer = new List<(long At, byte[] Bytes)>();
        long now = 0;
        long clientLastHeard = 0;

        void Transmit(List<(long, byte[])> queue, byte[] datagram)
        {
            if (random.NextDouble() < 0.05)
            {
                return; // dropped
            }

            long delay = 1 + random.Next(3); // 1-3 ms: reorders when it varies
            queue.Add((now + delay, datagram));
            if (random.NextDouble() < 0.02)
            {
                queue.Add((now + delay + random.Next(5), datagram)); // duplicated
            }
        }

        session.Start(now);
        var status = TftpSessionStatus.Active;
        while (status == TftpSessionStatus.Active && now < 3_600_000)
        {
            foreach (var datagram in transport.Sent)
            {
                Transmit(toClient, datagram);
            }

            transport.Clear();
            now++;
            foreach (var item in toClient.Where(i => i.At <= now).ToList())
            {
                toClient.Remove(item);
                clientLastHeard = now;
                if (client.Receive(item.Bytes) is { } ack)
                {
                    Transmit(toServer, ack);
                }
            }

            // The client's own timeout (tftp-hpa style): re-send the last ACK after 1.5 s of silence.
            if (!client.Done && now - clientLastHeard > 1500)
            {
                clientLastHeard = now;
                Transmit(toServer, client.LastAck);
            }

            foreach (var item in toServer.Where(i => i.At <= now).ToList())
            {
                toServer.Remove(item);
                status = session.OnDatagram(item.Bytes, now);
            }

            if (now % 100 == 0)
            {
                status = session.OnTick(now);
            }
        }

        Assert.Equal(TftpSessionStatus.Completed, status);
        Assert.Equal(content, client.Received.ToArray());
    }
}
