using System.Text;

namespace Sluice.Server.Tests.Infrastructure;

internal sealed class RawResponse
{
    public RawResponse(string statusLine, int status, IReadOnlyList<KeyValuePair<string, string>> headers, byte[] body)
    {
        StatusLine = statusLine;
        Status = status;
        Headers = headers;
        Body = body;
    }

    public string StatusLine { get; }

    public int Status { get; }

    public IReadOnlyList<KeyValuePair<string, string>> Headers { get; }

    public byte[] Body { get; }

    public string BodyText => Encoding.UTF8.GetString(Body);

    public long? ContentLength => Header("Content-Length") is string value ? long.Parse(value, System.Globalization.CultureInfo.InvariantCulture) : null;

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

    public string[] HeaderValues(string name) =>
        Headers.Where(h => string.Equals(h.Key, name, StringComparison.OrdinalIgnoreCase)).Select(h => h.Value).ToArray();

    public string RequireHeader(string name) => Header(name) ?? throw new Xunit.Sdk.XunitException($"no {name} field in\n{this}");

    public override string ToString() =>
        StatusLine + "\n" + string.Join("\n", Headers.Select(h => $"{h.Key}: {h.Value}")) + $"\n(body {Body.Length} bytes)";
}
