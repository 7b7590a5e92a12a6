using System.Text;
using Microsoft.Win32.SafeHandles;
using Sluice.Cli.Http;
using Sluice.Core.Http;

namespace Sluice.Cli.Put;

// One request and its final response over a fresh connection. A request with a body says
// `Expect: 100-continue` (RFC 9110 §10.1.1) and sends the body on 100 Continue, or after ExpectWait
// when the server stays silent (servers that ignore Expect exist); a final answer that arrives before
// or while the body is sent (413, 401, 409 …) ends the sending at once, since the server will not
// read the rest. The final-answer read runs concurrently with the body writes for that reason.
internal static class PutExchange
{
    private const int BodyBlockBytes = 256 * 1024;
    private const int ErrorBodyBytes = 4096;

    public static readonly TimeSpan ExpectWait = TimeSpan.FromSeconds(1);

    public readonly record struct Body(SafeFileHandle File, long Offset, long Length, ITransferProgress Progress);

    public readonly record struct Answer(HttpResponseHead Head, string Text);

    public static async Task<Answer> SendAsync(PutSettings settings, string method, string path, IEnumerable<(string Name, string Value)> fields, Body? body, CancellationToken cancellationToken)
    {
        var head = new StringBuilder();
        head.Append(method).Append(' ').Append(path).Append(" HTTP/1.1\r\n");
        head.Append("Host: ").Append(settings.Target.Authority).Append("\r\n");
        head.Append("User-Agent: sluice-put\r\n");
        if (settings.Authorization is not null)
        {
            head.Append("Authorization: ").Append(settings.Authorization).Append("\r\n");
        }

        foreach ((string name, string value) in fields)
        {
            head.Append(name).Append(": ").Append(value).Append("\r\n");
        }

        long length = body?.Length ?? 0;
        if (body is not null)
        {
            head.Append("Content-Length: ").Append(length).Append("\r\n");
            if (length > 0)
            {
                head.Append("Expect: 100-continue\r\n");
            }
        }

        head.Append("Connection: close\r\n\r\n");

        await using ClientConnection connection = await ClientConnection.OpenAsync(settings.Target, settings.TrustedRoots, settings.IdleTimeout, cancellationToken).ConfigureAwait(false);
        await connection.WriteAsync(Encoding.Latin1.GetBytes(head.ToString()), cancellationToken).ConfigureAwait(false);

        HttpResponseHead final = body is { Length: > 0 } b
            ? await SendBodyAsync(connection, b, settings.IdleTimeout, cancellationToken).ConfigureAwait(false)
            : await ReadFinalAsync(connection, cancellationToken).ConfigureAwait(false);

        string text = "";
        if (!final.IsSuccess || method != "HEAD")
        {
            try
            {
                byte[] bytes = await connection.ReadBodyAsync(final, method == "HEAD", ErrorBodyBytes, cancellationToken).ConfigureAwait(false);
                text = Encoding.UTF8.GetString(bytes).Trim();
            }
            catch (Exception e) when (e is IOException or InvalidDataException && !final.IsSuccess)
            {
                // An error answer given before the body was read is often followed by a close.
            }
        }

        return new Answer(final, text);
    }

    private static async Task<HttpResponseHead> SendBodyAsync(ClientConnection connection, Body body, TimeSpan idleTimeout, CancellationToken cancellationToken)
    {
        Task<HttpResponseHead> pending = connection.ReadHeadAsync(cancellationToken, idleBounded: false);
        Task first = await Task.WhenAny(pending, Task.Delay(ExpectWait, cancellationToken)).ConfigureAwait(false);
        if (first == pending)
        {
            HttpResponseHead interim = await pending.ConfigureAwait(false);
            if (!interim.IsInformational)
            {
                return interim; // answered without the body: 413, 401, 412, 409 …
            }

            pending = connection.ReadHeadAsync(cancellationToken, idleBounded: false);
        }

        byte[] block = GC.AllocateUninitializedArray<byte>((int)Math.Min(BodyBlockBytes, body.Length));
        long sent = 0;
        while (sent < body.Length)
        {
            if (pending.IsCompleted)
            {
                HttpResponseHead early = await pending.ConfigureAwait(false);
                if (!early.IsInformational)
                {
                    return early;
                }

                pending = connection.ReadHeadAsync(cancellationToken, idleBounded: false);
            }

            int want = (int)Math.Min(block.Length, body.Length - sent);
            int read = await RandomAccess.ReadAsync(body.File, block.AsMemory(0, want), body.Offset + sent, cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                throw new PutFailure("the file became shorter while it was being uploaded");
            }

            await connection.WriteAsync(block.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
            sent += read;
            body.Progress.Advance(read);
        }

        while (true)
        {
            HttpResponseHead head;
            try
            {
                head = await pending.WaitAsync(idleTimeout, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                throw new IOException($"no answer from the server for {idleTimeout.TotalSeconds:0} s after the body");
            }

            if (!head.IsInformational)
            {
                return head;
            }

            pending = connection.ReadHeadAsync(cancellationToken, idleBounded: false);
        }
    }

    private static async Task<HttpResponseHead> ReadFinalAsync(ClientConnection connection, CancellationToken cancellationToken)
    {
        while (true)
        {
            HttpResponseHead head = await connection.ReadHeadAsync(cancellationToken).ConfigureAwait(false);
            if (!head.IsInformational)
            {
                return head;
            }
        }
    }
}
