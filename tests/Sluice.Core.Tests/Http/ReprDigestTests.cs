using System.Security.Cryptography;
using System.Text;
using Sluice.Core.Http;

namespace Sluice.Core.Tests.Http;

public sealed class ReprDigestTests
{
    private static readonly byte[] s_hello = SHA256.HashData(Encoding.ASCII.GetBytes("hello"));

    [Theory]
    [InlineData("sha-256=:{0}:")]
    [InlineData("sha-512=:AAAA:, sha-256=:{0}:")]
    [InlineData("sha-256=:{0}:;p=1")] // a parameter does not change the bytes
    [InlineData("  sha-256 = :{0}:  ")]
    public void FindsTheSha256Member(string template)
    {
        string field = string.Format(System.Globalization.CultureInfo.InvariantCulture, template, Convert.ToBase64String(s_hello));

        Assert.Equal(s_hello, ReprDigest.Sha256(field));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("sha-512=:AAAA:")] // another algorithm only
    [InlineData("sha-256=AAAA")] // not a byte sequence
    [InlineData("sha-256=:not base64!:")]
    [InlineData("sha-256=:AAAA:")] // 3 bytes: not a SHA-256
    [InlineData("SHA-256=:LPJNul+wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCQ=:")] // keys are lowercase (RFC 8941 §3.2)
    public void FindsNothingUsable(string? field)
    {
        Assert.Null(ReprDigest.Sha256(field));
    }
}
