using System.Text;
using Sluice.Core.Content;

namespace Sluice.Core.Tests.Content;

public sealed class AcceptEncodingTests
{
    private static string Ranked(string field)
    {
        PreferredCodings ranked = AcceptEncoding.Parse(Encoding.Latin1.GetBytes(field)).Rank();
        var names = new List<string>();
        for (int i = 0; i < ranked.Count; i++)
        {
            names.Add(ranked[i] switch
            {
                ContentCoding.Brotli => "br",
                ContentCoding.Zstd => "zstd",
                ContentCoding.Gzip => "gzip",
                _ => "identity",
            });
        }

        return string.Join(' ', names);
    }

    [Theory]
    // Server preference br > zstd > gzip among equal weights, whatever the order of the field.
    [InlineData("gzip, deflate, br, zstd", "br zstd gzip")]
    [InlineData("zstd, gzip, br", "br zstd gzip")]
    [InlineData("gzip", "gzip")]
    [InlineData("deflate", "")]
    [InlineData("", "")]                                  // empty field: identity only (§12.5.3)
    [InlineData(" , ,, ", "")]                            // empty list elements are allowed (§5.6.1.2)
    [InlineData("x-gzip", "gzip")]                        // §8.4.1.3
    [InlineData("GZIP, Br", "br gzip")]                   // codings are case-insensitive
    // q-values override the server's order.
    [InlineData("br;q=0.5, gzip", "gzip br")]
    [InlineData("br;q=0.5, zstd;q=0.7, gzip;q=0.6", "zstd gzip br")]
    [InlineData("br;q=0.001, gzip;q=0.002", "gzip br")]   // three decimals are significant
    [InlineData("gzip;q=0.5", "gzip")]                    // unweighed identity does not compete
    // q=0 refuses.
    [InlineData("br;q=0, gzip", "gzip")]
    [InlineData("br;q=0.000, zstd;q=0., gzip", "gzip")]
    [InlineData("gzip;q=0", "")]
    [InlineData("gzip, gzip;q=0", "")]                    // a coding named twice takes its lowest weight
    [InlineData("gzip;q=0, gzip", "")]
    [InlineData("gzip;q=0.3, gzip;q=0.9, br;q=0.5", "br gzip")]
    // "*" covers every coding not named, identity included.
    [InlineData("*", "br zstd gzip")]
    [InlineData("*;q=0", "")]
    [InlineData("*, br;q=0", "zstd gzip")]
    [InlineData("*;q=0, gzip", "gzip")]
    [InlineData("*;q=0.5, gzip", "gzip br zstd")]
    // A weighed identity competes: a coding ranks only at or above it.
    [InlineData("gzip;q=0.5, identity", "")]
    [InlineData("gzip;q=0.5, identity;q=0.5", "gzip")]
    [InlineData("br;q=0.9, gzip;q=0.4, identity;q=0.5", "br")]
    [InlineData("gzip, identity;q=0", "gzip")]
    [InlineData("*;q=0.8, gzip;q=0.5", "br zstd")]        // identity through "*" weighs 0.8
    [InlineData("*;q=0.8, identity;q=0.1, gzip;q=0.5", "br zstd gzip")]
    // Weights: OWS around ';', "Q" as "q", the limits of qvalue (§12.4.2).
    [InlineData("gzip ; q=0.5, br\t;\tQ=0.6", "br gzip")]
    [InlineData("gzip;q=1.000", "gzip")]
    [InlineData("gzip;q=1.", "gzip")]
    [InlineData("gzip;q=1", "gzip")]
    // A malformed element is ignored alone; the rest of the field still counts.
    [InlineData("gzip;q=1.001, br", "br")]
    [InlineData("gzip;q=1.5, br", "br")]
    [InlineData("gzip;q=2, br", "br")]
    [InlineData("gzip;q=0.5000, br", "br")]               // four decimals
    [InlineData("gzip;q=.5, br", "br")]
    [InlineData("gzip;q=-0, br", "br")]
    [InlineData("gzip;q=, br", "br")]
    [InlineData("gzip;q, br", "br")]
    [InlineData("gzip;level=1, br", "br")]                // no parameter but q exists here
    [InlineData("gzip;q=0.5;x=1, br", "br")]
    [InlineData("gzip;q=0.5 x, br", "br")]
    [InlineData("gzip br, zstd", "zstd")]                 // two tokens in one element
    [InlineData("gz\u00e9ip, br", "br")]                  // not a token
    [InlineData("\"gzip\", br", "br")]
    [InlineData(";q=1, br", "br")]
    [InlineData("gzip;q=0.5, br;q=0.5x", "gzip")]
    // Names that are only prefixes or extensions of ours are other codings.
    [InlineData("gzi, brotli, zst, gzip2, identity2", "")]
    public void RanksCodings(string field, string expected) => Assert.Equal(expected, Ranked(field));

    [Fact]
    public void AbsentFieldMeansIdentityOnly()
    {
        // RFC 9110 would allow any coding, but a client that sends no Accept-Encoding (curl, wget)
        // would store compressed bytes under the plain name.
        Assert.Equal(0, AcceptEncoding.Absent.Rank().Count);
        Assert.Equal(0, AcceptEncoding.Absent.QualityOf(ContentCoding.Gzip));
        Assert.Equal(1000, AcceptEncoding.Absent.QualityOf(ContentCoding.Identity));
    }

    [Theory]
    [InlineData("gzip;q=0.123", ContentCoding.Gzip, 123)]
    [InlineData("gzip;q=0.12", ContentCoding.Gzip, 120)]
    [InlineData("gzip;q=0.1", ContentCoding.Gzip, 100)]
    [InlineData("gzip;q=0", ContentCoding.Gzip, 0)]
    [InlineData("gzip", ContentCoding.Gzip, 1000)]
    [InlineData("gzip", ContentCoding.Brotli, 0)]
    [InlineData("gzip", ContentCoding.Identity, 1000)]    // acceptable by default
    [InlineData("identity;q=0", ContentCoding.Identity, 0)]
    [InlineData("*;q=0", ContentCoding.Identity, 0)]
    [InlineData("*;q=0, identity", ContentCoding.Identity, 1000)]
    [InlineData("*;q=0.25", ContentCoding.Zstd, 250)]
    public void ReportsWeightsInThousandths(string field, ContentCoding coding, int expected) =>
        Assert.Equal(expected, AcceptEncoding.Parse(Encoding.ASCII.GetBytes(field)).QualityOf(coding));

    // Every combination of weights {unnamed, 0, 0.3, 0.5, 1} for br, zstd, gzip, identity and "*",
    // in the field's forward and reverse order, against a direct transcription of the rules.
    [Fact]
    public void EveryWeightCombinationRanksAsTheRulesSay()
    {
        string?[] weights = [null, "0", "0.3", "0.5", "1"];
        string[] names = ["br", "zstd", "gzip", "identity", "*"];
        int checkedCases = 0;
        foreach (int combination in Enumerable.Range(0, (int)Math.Pow(weights.Length, names.Length)))
        {
            var chosen = new Dictionary<string, string>();
            int rest = combination;
            foreach (string name in names)
            {
                string? weight = weights[rest % weights.Length];
                rest /= weights.Length;
                if (weight is not null)
                {
                    chosen[name] = weight;
                }
            }

            string expected = Reference(chosen.ToDictionary(p => p.Key, p => (int)(double.Parse(p.Value, System.Globalization.CultureInfo.InvariantCulture) * 1000)));
            string forward = string.Join(", ", chosen.Select(p => $"{p.Key};q={p.Value}"));
            string backward = string.Join(",", chosen.Reverse().Select(p => $"{p.Key} ;q={p.Value}"));
            Assert.True(expected == Ranked(forward), $"'{forward}': expected '{expected}', got '{Ranked(forward)}'");
            Assert.True(expected == Ranked(backward), $"'{backward}': expected '{expected}', got '{Ranked(backward)}'");
            checkedCases++;
        }

        Assert.Equal(3125, checkedCases);
    }

    private static string Reference(Dictionary<string, int> q)
    {
        int? star = q.TryGetValue("*", out int s) ? s : null;
        int? identity = q.TryGetValue("identity", out int i) ? i : star;
        return string.Join(' ', new[] { "br", "zstd", "gzip" }
            .Select(name => (Name: name, Q: q.TryGetValue(name, out int v) ? v : star ?? 0))
            .Where(c => c.Q > 0 && (identity is null || c.Q >= identity))
            .OrderByDescending(c => c.Q)
            .Select(c => c.Name));
    }
}
