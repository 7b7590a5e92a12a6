using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Sluice.Core.Http;

namespace Sluice.Cli.Bench;

// Reads the server's Prometheus text (/metrics) over a plain socket and answers sums over label
// values. The bench scrapes before and after each transfer and works with the difference.
internal sealed class MetricsScraper
{
    private readonly List<Sample> _samples;

    private MetricsScraper(List<Sample> samples)
    {
        _samples = samples;
    }

    public static async Task<MetricsScraper> ScrapeAsync(IPEndPoint endpoint, CancellationToken cancellationToken)
    {
        using var socket = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(endpoint, cancellationToken).ConfigureAwait(false);
        byte[] request = Encoding.ASCII.GetBytes($"GET /metrics HTTP/1.1\r\nHost: {endpoint}\r\nConnection: close\r\n\r\n");
        await socket.SendAsync(request, SocketFlags.None, cancellationToken).ConfigureAwait(false);

        using var response = new MemoryStream();
        byte[] buffer = new byte[16 * 1024];
        int read;
        while ((read = await socket.ReceiveAsync(buffer, SocketFlags.None, cancellationToken).ConfigureAwait(false)) > 0)
        {
            response.Write(buffer, 0, read);
        }

        ReadOnlySpan<byte> bytes = response.GetBuffer().AsSpan(0, (int)response.Length);
        if (HttpResponseHeadParser.TryParse(bytes, out HttpResponseHead? head, out int headLength) != ParseStatus.Complete || head!.StatusCode != 200)
        {
            string answer = head?.ToString() ?? Encoding.UTF8.GetString(bytes).Split('\n')[0].Trim();
            throw new InvalidOperationException($"metrics endpoint {endpoint} answered: {answer}");
        }

        return Parse(Encoding.UTF8.GetString(bytes[headLength..]));
    }

    // Exposition format 0.0.4: `name{label="value",...} number` per line, # comments.
    public static MetricsScraper Parse(string text)
    {
        var samples = new List<Sample>();
        foreach (string raw in text.Split('\n'))
        {
            string line = raw.Trim();
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            int space = line.LastIndexOf(' ');
            if (space < 0 || !double.TryParse(line.AsSpan(space + 1), NumberStyles.Float, CultureInfo.InvariantCulture, out double value))
            {
                continue;
            }

            string series = line[..space];
            int brace = series.IndexOf('{', StringComparison.Ordinal);
            string name = brace < 0 ? series : series[..brace];
            var labels = new Dictionary<string, string>(StringComparer.Ordinal);
            if (brace >= 0)
            {
                // Our server's label values never contain commas or escaped quotes.
                foreach (string pair in series[(brace + 1)..series.LastIndexOf('}')].Split(',', StringSplitOptions.RemoveEmptyEntries))
                {
                    int eq = pair.IndexOf('=', StringComparison.Ordinal);
                    labels[pair[..eq]] = pair[(eq + 1)..].Trim('"');
                }
            }

            samples.Add(new Sample(name, labels, value));
        }

        return new MetricsScraper(samples);
    }

    public double Sum(string name) => _samples.Where(s => s.Name == name).Sum(s => s.Value);

    // File responses the server has accounted for (not errors or listings), each once: the sum of
    // sluice_responses_total would count a body moved partly by a fallback under both strategies.
    public long FileResponses => (long)Sum("sluice_file_responses_total");

    // The server publishes a transfer's counters after its last send returns, which can be after
    // the client has read the last byte: scrape until the responses so far are all accounted for,
    // or a transfer's calls land in the next one's window.
    public static async Task<MetricsScraper> ScrapeAfterAsync(IPEndPoint endpoint, long fileResponses, CancellationToken cancellationToken)
    {
        long deadline = Environment.TickCount64 + 10_000;
        while (true)
        {
            MetricsScraper scrape = await ScrapeAsync(endpoint, cancellationToken).ConfigureAwait(false);
            if (scrape.FileResponses >= fileResponses)
            {
                return scrape;
            }

            if (Environment.TickCount64 > deadline)
            {
                throw new TimeoutException($"the server accounted for {scrape.FileResponses} file responses of {fileResponses} within 10 s");
            }

            await Task.Delay(5, cancellationToken).ConfigureAwait(false);
        }
    }

    // Sum of a metric grouped by one label's value, e.g. syscalls by kind.
    public Dictionary<string, double> SumBy(string name, string label)
    {
        var sums = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (Sample sample in _samples.Where(s => s.Name == name))
        {
            string key = sample.Labels.GetValueOrDefault(label, "");
            sums[key] = sums.GetValueOrDefault(key) + sample.Value;
        }

        return sums;
    }

    // after − before per label value, dropping values that did not move.
    public static Dictionary<string, long> Delta(MetricsScraper before, MetricsScraper after, string name, string label)
    {
        Dictionary<string, double> b = before.SumBy(name, label);
        var delta = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach ((string key, double value) in after.SumBy(name, label))
        {
            long d = (long)Math.Round(value - b.GetValueOrDefault(key));
            if (d != 0)
            {
                delta[key] = d;
            }
        }

        return delta;
    }

    private sealed record Sample(string Name, Dictionary<string, string> Labels, double Value);
}
