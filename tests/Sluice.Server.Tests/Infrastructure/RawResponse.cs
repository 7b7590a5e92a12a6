using System.Text;
using Sluice.Core.Http;

namespace Sluice.Server.Tests.Infrastructure;

// A response as the tests see it: the head as the core's HttpResponseHeadParser read it (the same
// parser `sluice put` and the bench client use) and the body bytes.
internal sealed class RawResponse
{
    public RawResponse(HttpResponseHead head, byte[] body)
    {
        Head = head;
        Body = body;
    }

    public HttpResponseHead Head { get; }

    public string StatusLine => $"HTTP/1.{(Head.Version == HttpVersion.Http10 ? 0 : 1)} {Head.StatusCode} {Head.ReasonPhrase}".TrimEnd();

    public int Status => Head.StatusCode;

    public IReadOnlyList<KeyValuePair<string, string>> Headers => Head.Fields;

    public byte[] Body { get; }

    public string BodyText => Encoding.UTF8.GetString(Body);

    public long? ContentLength => Head.ContentLength;

    // Reads one head from the front of `buffer`: null while it is incomplete, an IOException when
    // the parser refuses it (the server under test sent a malformed head).
    public static HttpResponseHead? TryReadHead(ReadOnlySpan<byte> buffer, out int consumed)
    {
        ParseStatus status = HttpResponseHeadParser.TryParse(buffer, out HttpResponseHead? head, out consumed);
        return status == ParseStatus.Invalid
            ? throw new IOException($"malformed response head: '{Encoding.Latin1.GetString(buffer[..Math.Min(buffer.Length, 2048)])}'")
            : head;
    }

    // A whole response read until the connection closed: the head and every byte after it, which
    // must be exactly Content-Length bytes when the head has one.
    public static RawResponse Parse(byte[] response)
    {
        HttpResponseHead head = TryReadHead(response, out int consumed)
            ?? throw new IOException($"connection closed before a complete response head; got: '{Encoding.Latin1.GetString(response)}'");
        byte[] body = response[consumed..];
        return head.ContentLength is long length && length != body.Length
            ? throw new IOException($"{body.Length} bytes followed a head with Content-Length {length}")
            : new RawResponse(head, body);
    }

    // The single value of a field; fails the test if the field is repeated.
    public string? Header(string name)
    {
        string[] values = HeaderValues(name);
        if (values.Length > 1)
        {
            Assert.Fail($"field {name} appears {values.Length} times in\n{this}");
        }

        return values.Length == 0 ? null : values[0];
    }

    public string[] HeaderValues(string name) => Head.GetAll(name).ToArray();

    public string RequireHeader(string name) => Header(name) ?? throw new Xunit.Sdk.XunitException($"no {name} field in\n{this}");

    public override string ToString() =>
        StatusLine + "\n" + string.Join("\n", Headers.Select(h => $"{h.Key}: {h.Value}")) + $"\n(body {Body.Length} bytes)";
}
