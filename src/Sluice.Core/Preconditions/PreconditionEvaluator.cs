using Sluice.Core.Dates;

namespace Sluice.Core.Preconditions;

public static class PreconditionEvaluator
{
    // The evaluation order of RFC 9110 §13.2.2. Step 5 (If-Range) is separate: it decides whether a
    // Range applies, not whether the request proceeds, so the caller asks RangeApplies afterwards.
    public static PreconditionResult Evaluate(in RequestConditions conditions, string currentETag, DateTimeOffset lastModified, bool isGetOrHead)
    {
        ArgumentNullException.ThrowIfNull(currentETag);

        // Last-Modified goes out with 1-second resolution, so a client can only ever send us back
        // whole seconds: compare at that resolution or a sub-second mtime never equals its own date.
        long lastModifiedSeconds = lastModified.ToUnixTimeSeconds();

        // Step 1: If-Match, strong comparison (§13.1.1).
        if (conditions.IfMatch is { } ifMatch)
        {
            if (!EntityTags.ListMatches(ifMatch, currentETag, weak: false))
            {
                return PreconditionResult.PreconditionFailed;
            }
        }

        // Step 2: If-Unmodified-Since only without If-Match; an invalid date is ignored (§13.1.4).
        else if (conditions.IfUnmodifiedSince is { } ifUnmodifiedSince
            && HttpDate.TryParse(ifUnmodifiedSince, out DateTimeOffset unmodifiedSince)
            && lastModifiedSeconds > unmodifiedSince.ToUnixTimeSeconds())
        {
            return PreconditionResult.PreconditionFailed;
        }

        // Step 3: If-None-Match, weak comparison (§13.1.2): 304 for GET/HEAD, 412 for anything else.
        if (conditions.IfNoneMatch is { } ifNoneMatch)
        {
            if (EntityTags.ListMatches(ifNoneMatch, currentETag, weak: true))
            {
                return isGetOrHead ? PreconditionResult.NotModified : PreconditionResult.PreconditionFailed;
            }
        }

        // Step 4: If-Modified-Since is ignored when If-None-Match is present, for methods other
        // than GET/HEAD, and when its value is not a valid HTTP-date (§13.1.3).
        else if (isGetOrHead
            && conditions.IfModifiedSince is { } ifModifiedSince
            && HttpDate.TryParse(ifModifiedSince, out DateTimeOffset modifiedSince)
            && lastModifiedSeconds <= modifiedSince.ToUnixTimeSeconds())
        {
            return PreconditionResult.NotModified;
        }

        return PreconditionResult.Proceed;
    }

    // If-Range (§13.1.5): the Range applies only if the client's validator still matches, otherwise
    // the client must get the whole new representation. Both forms need a strong validator, since
    // splicing ranges from two versions of a file corrupts the download.
    public static bool RangeApplies(string? ifRange, string currentETag, DateTimeOffset lastModified, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(currentETag);
        if (ifRange is null)
        {
            return true;
        }

        ReadOnlySpan<char> value = ifRange.AsSpan().Trim(" \t");
        if (value.StartsWith('"') || value.StartsWith("W/", StringComparison.Ordinal))
        {
            // A weak tag never matches: strong comparison (§13.1.5, §8.8.3.2).
            return EntityTags.StrongMatchesSingle(value, currentETag);
        }

        // Neither a tag nor a date: the validator cannot match, so ignore the Range.
        if (!HttpDate.TryParse(value, out DateTimeOffset date))
        {
            return false;
        }

        // §8.8.2.2: a Last-Modified is strong only if at least one second passed between it and the
        // response's Date; otherwise a second write within that second would keep the same date.
        if (now - lastModified < TimeSpan.FromSeconds(1))
        {
            return false;
        }

        // §13.1.5: an HTTP-date matches only by exact equality, not "not modified since".
        return date.ToUnixTimeSeconds() == lastModified.ToUnixTimeSeconds();
    }
}
