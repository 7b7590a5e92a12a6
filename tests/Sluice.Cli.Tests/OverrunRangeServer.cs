using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace Sluice.Cli.Tests;

// A hostile HTTP/1.1 server on 127.0.0.1: it answers "Range: bytes=A-B" with a 206 whose head is
// right (Content-Range A-B of Content, Content-Length B-A+1) but which also says
// Transfer-Encoding: chunked and sends Extra more bytes than the range in its chunked body. The first
// range (from 0) is answered honestly, so the client has started its parallel phase when it meets
// the overrun. Keep-alive, GET only; requests are read as test input.
internal sealed class OverrunRangeServer : ScriptedHttpServer
{
    public const int Extra = 100_000;

    private readonly byte[] _content;

    public OverrunRangeServer(byte[] content)
    {
        _content = content;
        Start();
    }

    protected override async Task RespondAsync(NetworkStream stream, string? range, CancellationToken stop)
    {
        range ??= "";
        string[] bounds = range.Split('-');
        long first = long.Parse(bounds[0], CultureInfo.InvariantCulture);
        long last = Math.Min(_content.Length - 1, long.Parse(bounds[1], CultureInfo.InvariantCulture));
        byte[] body = _content[(int)first..(int)(last + 1)];
        var head = new StringBuilder().Append(CultureInfo.InvariantCulture, $"HTTP/1.1 206 Partial Content\r\nContent-Range: bytes {first}-{last}/{_content.Length}\r\nETag: \"overrun-1\"\r\nContent-Length: {body.Length}\r\n");
        if (first > 0)
        {
            body = [.. body, .. new byte[Extra]];
            head.Append(CultureInfo.InvariantCulture, $"Transfer-Encoding: chunked\r\n\r\n{body.Length:x}\r\n");
            await stream.WriteAsync(Encoding.Latin1.GetBytes(head.ToString()), stop);
            await stream.WriteAsync(body, stop);
            await stream.WriteAsync("\r\n0\r\n\r\n"u8.ToArray(), stop);
            return;
        }

        head.Append("\r\n");
        await stream.WriteAsync(Encoding.Latin1.GetBytes(head.ToString()), stop);
        await stream.WriteAsync(body, stop);
    }
}
