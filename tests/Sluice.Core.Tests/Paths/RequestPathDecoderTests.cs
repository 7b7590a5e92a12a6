using System.Text;
using CsCheck;
using Sluice.Core.Oracles.Paths;
using Sluice.Core.Paths;

namespace Sluice.Core.Tests.Paths;

public sealed class RequestPathDecoderTests
{
    private static (PathRejection Rejection, string Path, bool TrailingSlash) Decode(string raw) => Decode(Encoding.Latin1.GetBytes(raw));

    // Every case also checks the span overload (the file handler's, which makes no string)
    // against the string one.
    private static (PathRejection Rejection, string Path, bool TrailingSlash) Decode(byte[] raw)
    {
        PathRejection rejection = RequestPathDecoder.TryDecode(raw, out string path, out bool trailingSlash);
        char[] chars = new char[raw.Length];
        PathRejection spanRejection = RequestPathDecoder.TryDecode(raw, chars, out int written, out bool spanTrailingSlash);
        Assert.Equal(rejection, spanRejection);
        Assert.Equal(rejection == PathRejection.None ? path : "", new string(chars, 0, written));
        Assert.Equal(trailingSlash, spanTrailingSlash);
        return (rejection, path, trailingSlash);
    }

    [Theory]
    [InlineData("/", "", true)]
    [InlineData("/a", "a", false)]
    [InlineData("/a/", "a", true)]
    [InlineData("/a/b/c.txt", "a/b/c.txt", false)]
    [InlineData("/a//b/./c/", "a/b/c", true)]
    [InlineData("//", "", true)]
    [InlineData("/.", "", false)]
    [InlineData("/./", "", true)]
    [InlineData("/a/..", "", false)]
    [InlineData("/a/../", "", true)]
    [InlineData("/a/../b", "b", false)]
    [InlineData("/a/b/../../c", "c", false)]
    [InlineData("/a/./b/../c/.", "a/c", false)]
    [InlineData("/...", "...", false)]               // not a dot segment
    [InlineData("/..a/a..", "..a/a..", false)]
    [InlineData("/%2e", "", false)]                  // encoded dot segments are dot segments
    [InlineData("/a/%2E%2e/b", "b", false)]
    [InlineData("/a%2Fb", "a/b", false)]             // %2F decodes to a separator
    [InlineData("/hello%20world.txt", "hello world.txt", false)]
    [InlineData("/%E2%82%AC", "€", false)]
    [InlineData("/caf%C3%A9/%F0%9F%98%80", "café/😀", false)]
    [InlineData("/%252e%252e/", "%2e%2e", true)]     // decoded once: a literal "%2e%2e" segment
    [InlineData("/%252e%252e/x", "%2e%2e/x", false)]
    [InlineData("/a%25", "a%", false)]
    [InlineData("/a+b;c=d@e", "a+b;c=d@e", false)]
    [InlineData("/%ef%bf%bf", "\uFFFF", false)]      // a noncharacter is still valid UTF-8
    public void Accepts(string raw, string expectedPath, bool expectedTrailingSlash)
    {
        Assert.Equal((PathRejection.None, expectedPath, expectedTrailingSlash), Decode(raw));
    }

    [Theory]
    [InlineData("/%C0%AE%C0%AE/%C0%AE%C0%AE/etc/passwd")]
    [InlineData("/%C0%AE%C0%AE%C0%AF%C0%AE%C0%AE%C0%AFetc/passwd")]
    [InlineData("/%E0%80%AE%E0%80%AE/%E0%80%AF/etc/passwd")]
    [InlineData("/%C0%AE./x")]
    public void OverlongDotsAndSlashesAreNameBytes(string raw)
    {
        // The accepted path maps back to bytes with no ".." segment and no '/' beyond the decoded
        // single-byte ones: what the kernel sees cannot climb.
        (PathRejection rejection, string path, _) = Decode(raw);
        Assert.Equal(PathRejection.None, rejection);
        byte[] bytes = FileNameEncoding.GetBytes(path);
        foreach (Range segment in bytes.AsSpan().Split((byte)'/'))
        {
            Assert.False(bytes[segment] is [] or [(byte)'.'] or [(byte)'.', (byte)'.'], raw);
        }

        Assert.Equal(raw.Count(c => c == '/') - 1, bytes.Count(b => b == (byte)'/'));
    }

    [Theory]
    // Not UTF-8: each byte outside a valid sequence is a name byte, escaped as U+DC80 + byte - 0x80
    // (FileNameEncoding). Overlong '.' and '/' stay two name bytes: never a dot segment or separator.
    [InlineData("/%C0%AE%C0%AE/x", "{C0}{AE}{C0}{AE}/x", false)]
    [InlineData("/%C0%AE%C0%AE/..", "", false)]       // a real name, so ".." pops it: no escape
    [InlineData("/%C0%AF", "{C0}{AF}", false)]
    [InlineData("/%E0%80%AE", "{E0}{80}{AE}", false)]
    [InlineData("/%ED%A0%80", "{ED}{A0}{80}", false)] // an encoded surrogate is not UTF-8
    [InlineData("/%F4%90%80%80", "{F4}{90}{80}{80}", false)]
    [InlineData("/%E2%82", "{E2}{82}", false)]
    [InlineData("/%E2%82/", "{E2}{82}", true)]
    [InlineData("/%80", "{80}", false)]
    [InlineData("/%FF%FE", "{FF}{FE}", false)]
    [InlineData("/caf%E9.txt", "caf{E9}.txt", false)]  // Latin-1
    [InlineData("/\u00E9", "{E9}", false)]          // a raw Latin-1 byte
    [InlineData("/a%C3%A9%FF%C3%A9", "a\u00E9{FF}\u00E9", false)]
    // (xUnit cannot carry lone surrogates in attributes: "{XX}" stands for the escape of byte XX.)
    public void AcceptsNamesThatAreNotUtf8(string raw, string expectedPath, bool expectedTrailingSlash)
    {
        Assert.Equal((PathRejection.None, Escapes(expectedPath), expectedTrailingSlash), Decode(raw));
    }

    internal static string Escapes(string notation) =>
        System.Text.RegularExpressions.Regex.Replace(notation, "\\{([0-9A-F]{2})\\}", m => ((char)(0xDC00 + Convert.ToInt32(m.Groups[1].Value, 16))).ToString());

    [Fact]
    public void AcceptsRawUtf8()
    {
        Assert.Equal((PathRejection.None, "€/x", false), Decode(Encoding.UTF8.GetBytes("/€/x")));
    }

    [Theory]
    // Traversal, raw and encoded.
    [InlineData("/..", PathRejection.EscapesRoot)]
    [InlineData("/../etc/passwd", PathRejection.EscapesRoot)]
    [InlineData("/a/../../b", PathRejection.EscapesRoot)]
    [InlineData("/a/b/../../../b", PathRejection.EscapesRoot)]
    [InlineData("/./../x", PathRejection.EscapesRoot)]
    [InlineData("/%2e%2e/x", PathRejection.EscapesRoot)]
    [InlineData("/%2E%2E%2Fx", PathRejection.EscapesRoot)]
    [InlineData("/..%2f..", PathRejection.EscapesRoot)]
    [InlineData("/.%2e/", PathRejection.EscapesRoot)]
    [InlineData("/a/..%2F..%2Fetc", PathRejection.EscapesRoot)]
    // NUL, raw and encoded.
    [InlineData("/a%00.txt", PathRejection.NulByte)]
    [InlineData("/a\0.txt", PathRejection.NulByte)]
    // Backslash, raw and encoded.
    [InlineData("/a%5cb", PathRejection.Backslash)]
    [InlineData("/a%5Cb", PathRejection.Backslash)]
    [InlineData("/..\\..\\windows", PathRejection.Backslash)]
    [InlineData("/%2e%2e%5c", PathRejection.Backslash)]
    // Malformed escapes and control characters.
    [InlineData("/%zz", PathRejection.MalformedEncoding)]
    [InlineData("/a%", PathRejection.MalformedEncoding)]
    [InlineData("/a%2", PathRejection.MalformedEncoding)]
    [InlineData("/a%2g", PathRejection.MalformedEncoding)]
    [InlineData("/a%%32%65", PathRejection.MalformedEncoding)]
    [InlineData("/%0a", PathRejection.MalformedEncoding)]
    [InlineData("/a\r\nb", PathRejection.MalformedEncoding)]
    [InlineData("/a\tb", PathRejection.MalformedEncoding)]
    [InlineData("/%7F", PathRejection.MalformedEncoding)]
    [InlineData("/%1b[31m", PathRejection.MalformedEncoding)]
    // Not origin-form.
    [InlineData("", PathRejection.NotOriginForm)]
    [InlineData("a/b", PathRejection.NotOriginForm)]
    [InlineData("*", PathRejection.NotOriginForm)]
    [InlineData("http://host/a", PathRejection.NotOriginForm)]
    [InlineData("%2Fa", PathRejection.NotOriginForm)]
    public void Rejects(string raw, PathRejection expected)
    {
        (PathRejection rejection, string path, bool trailingSlash) = Decode(raw);
        Assert.Equal(expected, rejection);
        Assert.Equal("", path);
        Assert.False(trailingSlash);
    }

    [Fact]
    public void LongPathsUseThePooledBuffer()
    {
        string segment = new('x', 100);
        string raw = "/" + string.Join("/", Enumerable.Repeat(segment, 50)) + "/";
        Assert.Equal((PathRejection.None, raw[1..^1], true), Decode(raw));

        string deepEscape = "/" + string.Join("/", Enumerable.Repeat("a", 200)) + string.Concat(Enumerable.Repeat("/..", 201));
        Assert.Equal(PathRejection.EscapesRoot, Decode(deepEscape).Rejection);
    }

    [Fact]
    public void NormalizedPathNeverEscapes()
    {
        // Whatever the input, an accepted path has no empty, "." or ".." segment and no leading slash.
        Gen<string> segment = Gen.OneOfConst("a", "b", ".", "..", "", "%2e", "%2E%2e", "%2f", "x%2F..", "%252e");
        Gen.Select(segment.Array[0, 12], Gen.Bool).Sample((segments, slash) =>
        {
            string raw = "/" + string.Join("/", segments) + (slash ? "/" : "");
            PathRejection rejection = RequestPathDecoder.TryDecode(Encoding.ASCII.GetBytes(raw), out string path, out _);
            if (rejection == PathRejection.None)
            {
                Assert.False(path.StartsWith('/'), raw);
                Assert.All(path.Split('/'), s => Assert.True(path.Length == 0 || (// Linux names cannot contain '/' (and %2F decodes to a separator by design).
            s.Length > 0 && s != "." && s != ".."), raw));
            }
            else
            {
                Assert.Equal(PathRejection.EscapesRoot, rejection);
            }
        }, iter: 5000);
    }

    [Fact]
    public void AgreesWithTheReferenceDecoder()
    {
        // Paths assembled from pieces that matter to decoding: separators and dot segments raw and
        // encoded, good and bad escapes, overlong and surrogate UTF-8, raw bytes the parser would refuse.
        Gen<string> piece = Gen.OneOfConst(
            "/", "a", "b.c", ".", "..", "%2e", "%2E", "%2f", "%2F", "%5c", "\\", "%00", "\0", "%25", "%", "%2", "%g1", "%0a", "\t", "%7f",
            "%C3%A9", "\u00C3\u00A9", "\u00E9", "%C0%AE", "%E0%80%AE", "%ED%A0%80", "%F0%9F%98%80", "%F4%90%80%80", "%80", "%E2%82");
        Gen.Select(Gen.Bool, piece.Array[0, 16]).Sample((rooted, pieces) =>
        {
            byte[] raw = Encoding.Latin1.GetBytes((rooted ? "/" : "") + string.Concat(pieces));
            Assert.Equal(ReferencePathDecoder.Decode(raw), Decode(raw));
        }, iter: 20000, print: t => (t.Item1 ? "/" : "") + string.Concat(t.Item2));
    }

    [Theory]
    [InlineData("plain.txt", "plain.txt")]
    [InlineData("a b#c?.txt", "a%20b%23c%3F.txt")]
    [InlineData("100%", "100%25")]
    [InlineData("a/b", "a%2Fb")]
    [InlineData("a\\b", "a%5Cb")]
    [InlineData("<b>&\"x'.txt", "%3Cb%3E%26%22x%27.txt")]
    [InlineData("c:drive", "c%3Adrive")] // ':' in a first segment would read as a scheme
    [InlineData("€", "%E2%82%AC")]
    [InlineData("-._~!$()*+,;=@", "-._~!$()*+,;=@")]
    [InlineData("", "")]
    public void EncodeSegment(string segment, string expected)
    {
        Assert.Equal(expected, RequestPathDecoder.EncodeSegment(segment));
    }

    [Fact]
    public void EncodeSegmentRoundTripsThroughTryDecode()
    {
        // Linux names cannot contain '/' (and %2F decodes to a separator by design), NUL or control
        // characters are refused, and "." and ".." are not names.
        Gen.String.Where(s => s.Length > 0 && s != "." && s != ".." && !s.Any(c => c < 0x20 || c == 0x7F || c == '\\' || c == '/' || char.IsSurrogate(c)))
            .Sample(name =>
            {
                string encoded = RequestPathDecoder.EncodeSegment(name);
                Assert.DoesNotContain('/', encoded);
                Assert.Equal((PathRejection.None, name, false), Decode(Encoding.ASCII.GetBytes("/" + encoded)));
            }, iter: 5000);
    }

    [Fact]
    public void EveryLinuxNameRoundTripsThroughItsLink()
    {
        // Any bytes a Linux name can hold (not '/', not NUL; control bytes and '\\' are refused by
        // the decoder), as the listing shows them: decoded by FileNameEncoding, encoded for the href,
        // decoded again as a request path, and mapped back to the very same bytes.
        Gen<byte> nameByte = Gen.Byte.Where(b => b >= 0x20 && b != 0x7F && b != (byte)'/' && b != (byte)'\\');
        nameByte.Array[1, 40].Where(b => !(b is [(byte)'.'] or [(byte)'.', (byte)'.'])).Sample(bytes =>
        {
            string name = FileNameEncoding.GetString(bytes);
            string encoded = RequestPathDecoder.EncodeSegment(name);
            Assert.True(Ascii.IsValid(encoded));
            (PathRejection rejection, string path, bool slash) = Decode(Encoding.ASCII.GetBytes("/" + encoded));
            Assert.Equal((PathRejection.None, name, false), (rejection, path, slash));
            Assert.Equal(bytes, FileNameEncoding.GetBytes(path));
        }, iter: 5000, print: b => Convert.ToHexString(b));
    }

    [Theory]
    [InlineData(new byte[] { 0x63, 0x61, 0x66, 0xE9 }, "caf%E9")]
    [InlineData(new byte[] { 0xFF, 0xFE }, "%FF%FE")]
    [InlineData(new byte[] { 0xC0, 0xAE, 0xC0, 0xAE }, "%C0%AE%C0%AE")]
    [InlineData(new byte[] { 0xC3, 0xA9, 0xE9 }, "%C3%A9%E9")]
    public void EncodeSegmentSendsTheNamesBytes(byte[] name, string expected)
    {
        Assert.Equal(expected, RequestPathDecoder.EncodeSegment(FileNameEncoding.GetString(name)));
    }
}
