using System.Text;
using Sluice.Core.Digests;

namespace Sluice.Core.Tests.Digests;

public sealed class WantReprDigestTests
{
    private static bool Wants(string field) => WantReprDigest.WantsSha256(Encoding.Latin1.GetBytes(field));

    [Theory]
    [InlineData("sha-256=1")]
    [InlineData("sha-256=10, sha-512=3")]
    [InlineData("sha-512=10, sha-256=1")]           // sha-512 preferred, but sha-256 acceptable
    [InlineData("  sha-256=5")]                     // leading spaces (RFC 8941 §4.2)
    [InlineData("unixsum=9,sha-256=2")]             // unknown and deprecated keys are skipped
    [InlineData("sha-256=3;foo=bar")]               // parameters are ignored
    [InlineData("sha-256=0, sha-256=4")]            // a repeated key keeps its last value
    [InlineData("md5=\"x\", sha-256=1")]            // another member's item type does not matter
    [InlineData("sha-256=1,\tsha-512=2")]           // OWS after a comma
    public void WantedWhenSha256HasAPositivePreference(string field) => Assert.True(Wants(field));

    [Theory]
    [InlineData("")]
    [InlineData("sha-512=10")]                      // only an algorithm this server does not offer
    [InlineData("sha-256=0")]                       // RFC 9530 §4: 0 = not acceptable
    [InlineData("sha-256=4, sha-256=0")]            // the last value wins
    [InlineData("sha-256")]                         // Boolean true, not an Integer preference
    [InlineData("sha-256=-1")]
    [InlineData("sha-256=1.5")]                     // a Decimal, not an Integer
    [InlineData("SHA-256=1")]                       // keys are lowercase (RFC 8941 §3.1.2): parse fails
    [InlineData("sha-256=1,")]                      // trailing comma: the whole field fails
    [InlineData("sha-256=1 sha-512=1")]             // missing comma: the whole field fails
    [InlineData("sha-256=")]                        // a missing value fails
    [InlineData("sha-256=1234567890123456")]        // 16 digits: beyond an sf-integer
    [InlineData("id-sha-256=1")]                    // a different (RFC 9530 §7.2 "id-") algorithm
    public void NotWantedOtherwise(string field) => Assert.False(Wants(field));
}
