using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace Sluice.Server.Tests.Infrastructure;

// One scrape of the metrics listener, and one series read out of the text.
internal static class MetricsScrape
{
    public static async Task<string> ScrapeAsync(int port, string target = "/metrics")
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        using var client = new TcpClient();
        await client.ConnectAsync("127.0.0.1", port, cts.Token);
        NetworkStream stream = client.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes($"GET {target} HTTP/1.1\r\nHost: x\r\n\r\n"), cts.Token);
        using var received = new MemoryStream();
        await stream.CopyToAsync(received, cts.Token);
        RawResponse response = RawResponse.Parse(received.ToArray());
        Assert.Equal(200, response.Status);
        return response.BodyText;
    }

    public static double Value(string text, string series)
    {
        foreach (string line in text.Split('\n'))
        {
            if (line.StartsWith(series + " ", StringComparison.Ordinal))
            {
                return double.Parse(line[(series.Length + 1)..], CultureInfo.InvariantCulture);
            }
        }

        throw new Xunit.Sdk.XunitException($"no series {series} in\n{text}");
    }
}
