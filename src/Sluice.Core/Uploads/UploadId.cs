using System.Security.Cryptography;

namespace Sluice.Core.Uploads;

// A tus upload's id: 128 bits from the OS's CSPRNG, as 32 lowercase hex characters. The id is the
// only secret a URL carries besides the owner check, so it must not be guessable (a counter or a
// time-based id would let one user probe another's uploads); 128 bits makes guessing hopeless.
// Lowercase only, so one upload has exactly one URL and one staging file name.
public static class UploadId
{
    public const int Length = 32;

    public static string New() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    public static bool IsValid(ReadOnlySpan<char> id)
    {
        if (id.Length != Length)
        {
            return false;
        }

        foreach (char c in id)
        {
            if (c is not ((>= '0' and <= '9') or (>= 'a' and <= 'f')))
            {
                return false;
            }
        }

        return true;
    }

    public static bool IsValid(ReadOnlySpan<byte> id)
    {
        if (id.Length != Length)
        {
            return false;
        }

        foreach (byte c in id)
        {
            if (c is not ((>= (byte)'0' and <= (byte)'9') or (>= (byte)'a' and <= (byte)'f')))
            {
                return false;
            }
        }

        return true;
    }
}
