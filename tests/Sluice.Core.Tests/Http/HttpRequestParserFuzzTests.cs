using System.Text;
using CsCheck;
using Sluice.Core.Http;
using Sluice.Core.Oracles.Http;

namespace Sluice.Core.Tests.Http;

// Mutated requests must get exactly the verdict and the fields of the reference parser.
public sealed class HttpRequestParserFuzzTests
{
    private static readonly string[] s_seeds =
    [
        "GET / HTTP/1.1\r\nHost: a\r\n\r\n",
        "HEAD /dir/file.txt?x=1 HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
        "GET /f HTTP/1.1\r\nHost: h:80\r\nRange: bytes=0-1\r\nIf-None-Match: \"e\", W/\"f\"\r\n\r\n",
        "\r\nPOST /u HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\n",
    ];

    private static readonly byte[] s_interesting = Encoding.Latin1.GetBytes(" \r\n:\t\0\u007fa/\u00e9(-");

    [Fact]
    public void MutatedRequestsAgreeWithTheReferenceParser()
    {
        Gen<byte[]> requests =
            from seed in Gen.OneOfConst(s_seeds)
            from mutations in Gen.Int[0, 3].SelectMany(n => Gen.Select(Gen.Int[0, 2], Gen.Int[0, 1000], Gen.OneOfConst(s_interesting)).Array[n])
            select ByteMutations.Apply(Encoding.Latin1.GetBytes(seed), mutations);

        // On failure CsCheck reports the seed ("Set seed: ... or -e CsCheck_Seed=..."): running the test
        // again with that environment variable replays the failing input first.
        requests.Sample(
            input =>
            {
                var handler = new RecordingHandler();
                ParseStatus status = HttpRequestParser.TryParse(input, ref handler, out int consumed, out _);
                (ParseStatus expectedStatus, List<string> expectedEvents, int expectedConsumed) = ReferenceParser.Parse(input);
                Assert.Equal(expectedStatus, status);
                Assert.Equal(expectedConsumed, consumed);
                if (status == ParseStatus.Complete)
                {
                    Assert.Equal(expectedEvents, handler.Events);
                }
            },
            print: ByteMutations.Show,
            iter: 20_000);
    }
}
