using System.Text;
using System.Text.RegularExpressions;
using Sluice.Core.Http;

namespace Sluice.Core.Oracles.Http;

// A slow, obviously-correct reading of RFC 9112 §2–§5 with strings and regular expressions,
// used as the oracle by the fuzz property test and the AFL target. It shares no code with
// HttpRequestParser. Events use RecordingHandler's format; Consumed is the length of the head.
public static partial class ReferenceParser
{
    [GeneratedRegex(@"^([!#$%&'*+\-.^_`|~0-9A-Za-z]+) ([\x21-\x7E]+) (HTTP/[0-9]\.[0-9])\z")]
    private static partial Regex RequestLine();

    [GeneratedRegex(@"^([!#$%&'*+\-.^_`|~0-9A-Za-z]+):(.*)\z", RegexOptions.Singleline)]
    private static partial Regex FieldLine();

    public static (ParseStatus Status, List<string> Events, int Consumed) Parse(byte[] input)
    {
        string s = Encoding.Latin1.GetString(input);
        int skipped = 0;
        while (s.StartsWith("\r\n", StringComparison.Ordinal))
        {
            s = s[2..];
            skipped += 2;
        }

        int end = s.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        if (end < 0)
        {
            for (int i = 0; i < s.Length; i++)
            {
                if (s[i] == '\n' && (i == 0 || s[i - 1] != '\r'))
                {
                    return (ParseStatus.Invalid, [], 0);
                }
            }

            return (ParseStatus.Incomplete, [], 0);
        }

        string[] lines = s[..end].Split("\r\n");
        Match request = RequestLine().Match(lines[0]);
        if (!request.Success || !request.Groups[3].Value.StartsWith("HTTP/1.", StringComparison.Ordinal))
        {
            return (ParseStatus.Invalid, [], 0);
        }

        var events = new List<string>();
        string method = request.Groups[1].Value;
        HttpMethod known = method switch
        {
            "GET" => HttpMethod.Get,
            "HEAD" => HttpMethod.Head,
            "POST" => HttpMethod.Post,
            "PUT" => HttpMethod.Put,
            "DELETE" => HttpMethod.Delete,
            "OPTIONS" => HttpMethod.Options,
            "PATCH" => HttpMethod.Patch,
            "TRACE" => HttpMethod.Trace,
            "CONNECT" => HttpMethod.Connect,
            _ => HttpMethod.Unknown,
        };
        HttpVersion version = request.Groups[3].Value == "HTTP/1.0" ? HttpVersion.Http10 : HttpVersion.Http11;
        events.Add($"{known}|{method}|{request.Groups[2].Value}|{version}");

        foreach (string line in lines.Skip(1))
        {
            Match field = FieldLine().Match(line);
            if (!field.Success)
            {
                return (ParseStatus.Invalid, [], 0);
            }

            string value = field.Groups[2].Value.Trim(' ', '\t');
            if (value.Any(c => (c < 0x20 && c != '\t') || c == 0x7F))
            {
                return (ParseStatus.Invalid, [], 0);
            }

            events.Add($"{field.Groups[1].Value}={value}");
        }

        return (ParseStatus.Complete, events, skipped + end + 4);
    }
}
