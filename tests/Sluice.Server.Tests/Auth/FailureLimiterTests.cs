using System.Net;
using Sluice.Server.Auth;

namespace Sluice.Server.Tests.Auth;

// The token bucket with an explicit clock (milliseconds), no waiting.
public sealed class FailureLimiterTests
{
    private static readonly IPAddress s_a = IPAddress.Parse("192.0.2.1");

    [Fact]
    public void LimitsAfterTheBurstAndRefillsOneTokenPerInterval()
    {
        var limiter = new FailureLimiter(maxFailures: 3, TimeSpan.FromSeconds(30)); // one token per 10 s
        for (int i = 0; i < 3; i++)
        {
            Assert.False(limiter.IsLimited(s_a, 1000, out _));
            limiter.RecordFailure(s_a, 1000);
        }

        Assert.True(limiter.IsLimited(s_a, 1000, out int retry));
        Assert.Equal(10, retry);
        Assert.True(limiter.IsLimited(s_a, 10_999, out retry));
        Assert.Equal(1, retry);
        Assert.False(limiter.IsLimited(s_a, 11_000, out _));
        limiter.RecordFailure(s_a, 11_000);
        Assert.True(limiter.IsLimited(s_a, 11_001, out _));
        Assert.False(limiter.IsLimited(IPAddress.Parse("192.0.2.2"), 11_001, out _));
    }

    [Fact]
    public void MemoryIsBounded()
    {
        var limiter = new FailureLimiter(maxFailures: 5, TimeSpan.FromSeconds(60));
        byte[] bytes = new byte[4];
        for (int i = 0; i < FailureLimiter.MaxAddresses * 3; i++)
        {
            System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(bytes, i);
            limiter.RecordFailure(new IPAddress(bytes), 1000);
        }

        Assert.InRange(limiter.Count, 1, FailureLimiter.MaxAddresses);
    }
}
