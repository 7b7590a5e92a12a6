using System.Security.Cryptography;
using System.Text;
using Sluice.Core.Digests;

namespace Sluice.Core.Tests.Digests;

public sealed class ReprDigestFieldTests
{
    [Fact]
    public void FormatsTheRfc9530ExampleOfAnEmptyRepresentation()
    {
        // RFC 9530 Appendix B.1: the empty representation's sha-256.
        Assert.Equal("sha-256=:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=:", ReprDigestField.FormatSha256(SHA256.HashData(ReadOnlySpan<byte>.Empty)));
    }

    [Fact]
    public void FormatsTheRfc9530ExampleOfAJsonBody()
    {
        // RFC 9530 §3 example: {"hello": "world"} with a final newline.
        byte[] body = Encoding.ASCII.GetBytes("{\"hello\": \"world\"}\n");
        Assert.Equal("sha-256=:RK/0qy18MlBSVnWgjwz6lZEWjP/lF5HF9bvEF8FabDg=:", ReprDigestField.FormatSha256(SHA256.HashData(body)));
    }

    [Fact]
    public void RefusesADigestOfTheWrongLength() =>
        Assert.Throws<ArgumentException>(() => ReprDigestField.FormatSha256(new byte[20]));
}
