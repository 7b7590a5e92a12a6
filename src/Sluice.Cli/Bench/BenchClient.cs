using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Sluice.Core.Http;

namespace Sluice.Cli.Bench;

// The in-process client: one GET over a fresh connection, body read into a reused buffer and
// discarded. Blocking receives on the calling thread keep the client's own cost small and steady;
// the received byte count must equal Content-Length or the run is void.
internal static class BenchClient
{
    private const int ReceiveBufferBytes = 256 * 1024;

    public static Download Get(IPEndPoint server, string fileName, TimeSpan timeout)
    {
        byte[] buffer = GC.AllocateUninitializedArray<byte>(ReceiveBufferBytes);
        long started = Stopwatch.GetTimestamp();
        using var socket = new Socket(server.AddressFamily, SocketType.Stream, ProtocolType.Tcp)
        {
            NoDelay = true,
            ReceiveTimeout = (int)timeout.TotalMilliseconds,
            SendTimeout = (int)timeout.TotalMilliseconds,
        };
        socket.Connect(server);
        socket.Send(Encoding.ASCII.GetBytes($"GET /{Uri.EscapeDataString(fileName)} HTTP/1.1\r\nHost: {server}\r\nConnection: close\r\n\r\n"));

        // Head: read until the parser has a whole head; whatever follows it in the buffer is body.
        int filled = 0;
        int headLength;
        HttpResponseHead? head;
        ParseStatus status;
        while ((status = HttpResponseHeadParser.TryParse(buffer.AsSpan(0, filled), out head, out headLength)) != ParseStatus.Complete)
        {
            if (status == ParseStatus.Invalid || filled == buffer.Length)
            {
                throw new InvalidDataException("malformed response head, or one larger than the receive buffer");
            }

            int n = socket.Receive(buffer, filled, buffer.Length - filled, SocketFlags.None);
            if (n == 0)
            {
                throw new InvalidDataException("connection closed before the response head ended");
            }

            filled += n;
        }

        if (head!.StatusCode != 200)
        {
            throw new InvalidDataException($"server answered '{head}'");
        }

        if (head.BodyLength(requestWasHead: false) is not long contentLength)
        {
            throw new InvalidDataException("response has no Content-Length");
        }

        long received = filled - headLength;
        while (received < contentLength)
        {
            int n = socket.Receive(buffer, 0, buffer.Length, SocketFlags.None);
            if (n == 0)
            {
                break;
            }

            received += n;
        }

        TimeSpan elapsed = Stopwatch.GetElapsedTime(started);
        if (received != contentLength)
        {
            throw new InvalidDataException($"received {received} body bytes, Content-Length was {contentLength}");
        }

        return new Download(received, elapsed);
    }

    public readonly record struct Download(long Bytes, TimeSpan Elapsed);
}
