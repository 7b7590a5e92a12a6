using System.Globalization;
using System.Text.Json.Serialization;

namespace Sluice.Cli.Bench;

// One figure over the rounds of a bench: its median and the range it moved in. A single round
// has no spread (Min = Median = Max), and the table then prints the bare number.
internal readonly record struct Spread(double Median, double Min, double Max, int Count)
{
    public static Spread Of(IEnumerable<double> values)
    {
        double[] sorted = values.Where(v => !double.IsNaN(v)).Order().ToArray();
        if (sorted.Length == 0)
        {
            return new Spread(double.NaN, double.NaN, double.NaN, 0);
        }

        int middle = sorted.Length / 2;
        double median = sorted.Length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
        return new Spread(median, sorted[0], sorted[^1], sorted.Length);
    }

    [JsonIgnore]
    public bool IsEmpty => Count == 0;

    // True when every value of this spread lies below every value of the other: the order of the
    // two is resolved by the measurements, not only by their medians.
    public bool EntirelyBelow(Spread other) => !IsEmpty && !other.IsEmpty && Max < other.Min;

    // "2,107 (1,980–2,300)"; the bare median when the rounds agree to the printed precision.
    public string Format(string format)
    {
        if (IsEmpty)
        {
            return "-";
        }

        string median = F(Median, format);
        string min = F(Min, format);
        string max = F(Max, format);
        return min == max ? median : $"{median} ({min}–{max})";
    }

    private static string F(double value, string format) => value.ToString(format, CultureInfo.InvariantCulture);
}
