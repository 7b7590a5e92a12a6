using Sluice.Core.Preconditions;

namespace Sluice.Core.Tests.Preconditions;

public sealed class PreconditionEvaluatorTests
{
    private const string ETag = "\"abc\"";
    private const string Other = "\"zzz\"";

    // Last-Modified with a sub-second part, as file systems report it: it goes out as 08:49:37.
    private static readonly DateTimeOffset s_lastModified = new DateTimeOffset(1994, 11, 6, 8, 49, 37, TimeSpan.Zero).AddMilliseconds(750);

    private const string Same = "Sun, 06 Nov 1994 08:49:37 GMT";
    private const string Earlier = "Sun, 06 Nov 1994 08:49:36 GMT";
    private const string Later = "Sun, 06 Nov 1994 08:49:38 GMT";

    private static PreconditionResult Evaluate(
        string? ifMatch = null, string? ifNoneMatch = null, string? ifModifiedSince = null, string? ifUnmodifiedSince = null, bool isGetOrHead = true)
    {
        var conditions = new RequestConditions(ifMatch, ifNoneMatch, ifModifiedSince, ifUnmodifiedSince, IfRange: null);
        return PreconditionEvaluator.Evaluate(conditions, ETag, s_lastModified, isGetOrHead);
    }

    [Fact]
    public void NoConditionsProceed()
    {
        Assert.Equal(PreconditionResult.Proceed, Evaluate());
        Assert.Equal(PreconditionResult.Proceed, Evaluate(isGetOrHead: false));
    }

    [Theory]
    // Step 1: If-Match uses strong comparison.
    [InlineData(ETag, PreconditionResult.Proceed)]
    [InlineData("*", PreconditionResult.Proceed)]
    [InlineData(Other + ", " + ETag, PreconditionResult.Proceed)]
    [InlineData(Other, PreconditionResult.PreconditionFailed)]
    [InlineData("W/" + ETag, PreconditionResult.PreconditionFailed)]
    [InlineData("garbage", PreconditionResult.PreconditionFailed)]
    public void IfMatch(string ifMatch, PreconditionResult expected)
    {
        Assert.Equal(expected, Evaluate(ifMatch: ifMatch));
    }

    [Theory]
    // Step 2: not modified since the date (whole seconds) proceeds; modified after it fails.
    [InlineData(Same, PreconditionResult.Proceed)]
    [InlineData(Later, PreconditionResult.Proceed)]
    [InlineData(Earlier, PreconditionResult.PreconditionFailed)]
    [InlineData("Sunday, 06-Nov-94 08:49:36 GMT", PreconditionResult.PreconditionFailed)]
    [InlineData("not a date", PreconditionResult.Proceed)] // invalid dates are ignored
    [InlineData(Earlier + ", " + Earlier, PreconditionResult.Proceed)]
    public void IfUnmodifiedSince(string date, PreconditionResult expected)
    {
        Assert.Equal(expected, Evaluate(ifUnmodifiedSince: date));
    }

    [Fact]
    public void IfMatchTakesPrecedenceOverIfUnmodifiedSince()
    {
        // If-Unmodified-Since would fail, but it is only evaluated when If-Match is absent.
        Assert.Equal(PreconditionResult.Proceed, Evaluate(ifMatch: ETag, ifUnmodifiedSince: Earlier));
        Assert.Equal(PreconditionResult.PreconditionFailed, Evaluate(ifMatch: Other, ifUnmodifiedSince: Later));
    }

    [Theory]
    // Step 3: If-None-Match uses weak comparison; 304 for GET/HEAD, 412 otherwise.
    [InlineData(ETag, true, PreconditionResult.NotModified)]
    [InlineData("W/" + ETag, true, PreconditionResult.NotModified)]
    [InlineData("*", true, PreconditionResult.NotModified)]
    [InlineData(Other + ", W/" + ETag, true, PreconditionResult.NotModified)]
    [InlineData(Other, true, PreconditionResult.Proceed)]
    [InlineData(ETag, false, PreconditionResult.PreconditionFailed)]
    [InlineData("*", false, PreconditionResult.PreconditionFailed)]
    [InlineData(Other, false, PreconditionResult.Proceed)]
    public void IfNoneMatch(string ifNoneMatch, bool isGetOrHead, PreconditionResult expected)
    {
        Assert.Equal(expected, Evaluate(ifNoneMatch: ifNoneMatch, isGetOrHead: isGetOrHead));
    }

    [Fact]
    public void IfMatchIsEvaluatedBeforeIfNoneMatch()
    {
        // If-None-Match alone would give 304; a failing If-Match wins with 412.
        Assert.Equal(PreconditionResult.PreconditionFailed, Evaluate(ifMatch: Other, ifNoneMatch: ETag));
        Assert.Equal(PreconditionResult.NotModified, Evaluate(ifMatch: ETag, ifNoneMatch: ETag));
        Assert.Equal(PreconditionResult.PreconditionFailed, Evaluate(ifNoneMatch: ETag, ifUnmodifiedSince: Earlier));
    }

    [Theory]
    // Step 4: not modified since the date gives 304; compared in whole seconds.
    [InlineData(Same, PreconditionResult.NotModified)]
    [InlineData(Later, PreconditionResult.NotModified)]
    [InlineData(Earlier, PreconditionResult.Proceed)]
    [InlineData("Sun Nov  6 08:49:37 1994", PreconditionResult.NotModified)]
    [InlineData("06 Nov 1994", PreconditionResult.Proceed)] // invalid dates are ignored
    [InlineData("", PreconditionResult.Proceed)]
    public void IfModifiedSince(string date, PreconditionResult expected)
    {
        Assert.Equal(expected, Evaluate(ifModifiedSince: date));
    }

    [Fact]
    public void IfModifiedSinceOnlyForGetAndHead()
    {
        Assert.Equal(PreconditionResult.Proceed, Evaluate(ifModifiedSince: Same, isGetOrHead: false));
    }

    [Fact]
    public void IfNoneMatchPresentMeansIfModifiedSinceIsIgnored()
    {
        // The date alone would give 304, but a non-matching If-None-Match decides (§13.1.3).
        Assert.Equal(PreconditionResult.Proceed, Evaluate(ifNoneMatch: Other, ifModifiedSince: Same));
        // And the other way round: a matching tag gives 304 even though the date says modified.
        Assert.Equal(PreconditionResult.NotModified, Evaluate(ifNoneMatch: ETag, ifModifiedSince: Earlier));
    }

    [Fact]
    public void WholeSecondsAtTheBoundary()
    {
        // A last-modified of .999 within the same second is not "after" the date.
        var conditions = new RequestConditions(null, null, Same, null, null);
        DateTimeOffset almostNext = new DateTimeOffset(1994, 11, 6, 8, 49, 37, TimeSpan.Zero).AddTicks(TimeSpan.TicksPerSecond - 1);
        Assert.Equal(PreconditionResult.NotModified, PreconditionEvaluator.Evaluate(conditions, ETag, almostNext, isGetOrHead: true));
        Assert.Equal(PreconditionResult.Proceed, PreconditionEvaluator.Evaluate(conditions, ETag, almostNext.AddTicks(1), isGetOrHead: true));
    }

    private static readonly DateTimeOffset s_now = s_lastModified.AddHours(1);

    [Theory]
    [InlineData(null, true)]
    // Entity tags: strong comparison only.
    [InlineData(ETag, true)]
    [InlineData(" " + ETag + " ", true)]
    [InlineData(Other, false)]
    [InlineData("W/" + ETag, false)]
    [InlineData(ETag + ", " + ETag, false)] // If-Range carries one validator, not a list
    [InlineData("\"abc", false)]
    // Dates: exact equality in whole seconds.
    [InlineData(Same, true)]
    [InlineData("Sunday, 06-Nov-94 08:49:37 GMT", true)]
    [InlineData(Earlier, false)]
    [InlineData(Later, false)]
    [InlineData("garbage", false)]
    [InlineData("", false)]
    public void RangeApplies(string? ifRange, bool expected)
    {
        Assert.Equal(expected, PreconditionEvaluator.RangeApplies(ifRange, ETag, s_lastModified, s_now));
    }

    [Fact]
    public void RangeAppliesNeedsAStrongCurrentTag()
    {
        Assert.False(PreconditionEvaluator.RangeApplies("W/\"abc\"", "W/\"abc\"", s_lastModified, s_now));
        Assert.False(PreconditionEvaluator.RangeApplies("\"abc\"", "W/\"abc\"", s_lastModified, s_now));
    }

    [Fact]
    public void RangeAppliesWithDateNeedsAStrongLastModified()
    {
        // §8.8.2.2: Last-Modified is strong only once a second has passed since it.
        Assert.False(PreconditionEvaluator.RangeApplies(Same, ETag, s_lastModified, s_lastModified));
        Assert.False(PreconditionEvaluator.RangeApplies(Same, ETag, s_lastModified, s_lastModified.AddMilliseconds(999)));
        Assert.True(PreconditionEvaluator.RangeApplies(Same, ETag, s_lastModified, s_lastModified.AddSeconds(1)));
        // Entity tags are unaffected by the clock.
        Assert.True(PreconditionEvaluator.RangeApplies(ETag, ETag, s_lastModified, s_lastModified));
    }
}
