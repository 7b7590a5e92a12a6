using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using Sluice.Core.Http;

namespace Sluice.Cli.Bench;

// The upload client: one PUT with a Content-Length body over a fresh connection. The body is a
// 4 MiB block of random bytes sent again and again from memory, so the client reads no file (a
// source file would grow the page cache the bench measures) and its cost is one copy per byte.
// The run ends when the response arrives, that is after the server has fsynced the file and the
// directory: an upload counts as done when it is durable.
internal static class UploadClient
{
    public const int BlockBytes = 4 * 1024 * 1024;

    private static readonly Lazy<byte[]> s_block = new(() =>
    {
        byte[] block = GC.AllocateUninitializedArray<byte>(BlockBytes);
        new Random(20261201).NextBytes(block);
        return block;
    });

    // SHA-256 of the body Put sends for this size, to check the uploaded file against.
    public static string ExpectedSha256(long size)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        for (long sent = 0; sent < size; sent += BlockBytes)
        {
            hash.AppendData(s_block.Value, 0, (int)Math.Min(BlockBytes, size - sent));
        }

        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    public static Upload Put(IPEndPoint server, string fileName, long size, TimeSpan timeout)
    {
        byte[] block = s_block.Value;
        long started = Stopwatch.GetTimestamp();
        using var socket = new Socket(server.AddressFamily, SocketType.Stream, ProtocolType.Tcp)
        {
            NoDelay = true,
            ReceiveTimeout = (int)timeout.TotalMilliseconds,
            SendTimeout = (int)timeout.TotalMilliseconds,
        };
        socket.Connect(server);
        socket.Send(Encoding.ASCII.GetBytes($"PUT /{Uri.EscapeDataString(fileName)} HTTP/1.1\r\nHost: {server}\r\nContent-Length: {size}\r\nConnection: close\r\n\r\n"));
        for (long sent = 0; sent < size;)
        {
            int n = socket.Send(block, 0, (int)Math.Min(block.Length, size - sent), SocketFlags.None);
            sent += n;
        }

        // The answer's head, by the same parser as the download client's; its body (if any) is not read.
        byte[] response = new byte[16 * 1024];
        int filled = 0;
        HttpResponseHead? head;
        ParseStatus status;
        while ((status = HttpResponseHeadParser.TryParse(response.AsSpan(0, filled), out head, out _)) != ParseStatus.Complete)
        {
            if (status == ParseStatus.Invalid || filled == response.Length)
            {
                throw new InvalidDataException("malformed response head to the PUT, or one larger than the receive buffer");
            }

            int n = socket.Receive(response, filled, response.Length - filled, SocketFlags.None);
            if (n == 0)
            {
                throw new InvalidDataException("connection closed before the response head to the PUT ended");
            }

            filled += n;
        }

        double seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        if (head!.StatusCode is not (201 or 204))
        {
            throw new InvalidDataException($"server answered the PUT with '{head}'");
        }

        return new Upload(size, seconds);
    }

    public readonly record struct Upload(long Bytes, double Seconds);
}
