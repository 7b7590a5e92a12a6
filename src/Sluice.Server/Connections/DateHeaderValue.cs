using Sluice.Core.Dates;

namespace Sluice.Server.Connections;

// The Date field changes once a second; format it once a second, not once per response.
public static class DateHeaderValue
{
    private static byte[] s_value = Format(DateTimeOffset.UtcNow);
    private static long s_second = DateTimeOffset.UtcNow.ToUnixTimeSeconds();

    public static ReadOnlySpan<byte> Current
    {
        get
        {
            DateTimeOffset now = DateTimeOffset.UtcNow;
            long second = now.ToUnixTimeSeconds();
            if (second != Volatile.Read(ref s_second))
            {
                Volatile.Write(ref s_value, Format(now));
                Volatile.Write(ref s_second, second);
            }

            return Volatile.Read(ref s_value);
        }
    }

    private static byte[] Format(DateTimeOffset now)
    {
        var bytes = new byte[29];
        HttpDate.Format(now, bytes);
        return bytes;
    }
}
