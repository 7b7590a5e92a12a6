using System.Text;

namespace Sluice.Fuzz;

// One fuzz target: runs an input through the code under test and through its oracle, and throws
// OracleMismatchException when they disagree. Under afl-fuzz any exception is recorded as a crash,
// so a wrong answer is found as surely as an exception or an out-of-range access.
internal abstract class FuzzTarget
{
    public static IReadOnlyList<FuzzTarget> All { get; } = [new HttpRequestTarget(), new RangeHeaderTarget(), new RequestPathTarget(), new ChunkedBodyTarget()];

    public abstract string Name { get; }

    public abstract void Check(byte[] input);

    protected static void Agree<T>(T expected, T actual, string what, byte[] input)
    {
        if (!EqualityComparer<T>.Default.Equals(expected, actual))
        {
            throw new OracleMismatchException($"{what}: oracle {expected}, actual {actual} for {Show(input)}");
        }
    }

    protected static void AgreeSequence<T>(IReadOnlyList<T> expected, IReadOnlyList<T> actual, string what, byte[] input)
    {
        if (!expected.SequenceEqual(actual))
        {
            throw new OracleMismatchException(
                $"{what}: oracle [{string.Join(", ", expected)}], actual [{string.Join(", ", actual)}] for {Show(input)}");
        }
    }

    // Printable ASCII as is, everything else escaped, so a mismatch can be pasted into a unit test.
    protected static string Show(byte[] input)
    {
        var text = new StringBuilder("\"");
        foreach (byte b in input)
        {
            text.Append(b switch
            {
                (byte)'\r' => "\\r",
                (byte)'\n' => "\\n",
                (byte)'\t' => "\\t",
                (byte)'"' => "\\\"",
                (byte)'\\' => "\\\\",
                >= 0x20 and < 0x7F => ((char)b).ToString(),
                _ => $"\\x{b:X2}",
            });
        }

        return text.Append('"').ToString();
    }
}
