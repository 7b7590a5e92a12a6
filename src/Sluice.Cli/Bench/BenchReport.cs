using System.Text.Json.Serialization;

namespace Sluice.Cli.Bench;

// What --json writes: how the bench ran, the summary the table shows (median, min, max per
// figure) and every run it was made from.
internal sealed class BenchReport
{
    public required string Command { get; init; }

    public required string Machine { get; init; }

    public required string LoadAverage { get; init; }

    public long Size { get; init; }

    public int Rounds { get; init; }

    public bool Strace { get; init; }

    public required List<BenchSummary> Summary { get; init; }

    public required List<ClaimVerdict> Verdicts { get; init; }

    public required List<BenchResult> Runs { get; init; }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, UseStringEnumConverter = true,
    NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals)]
[JsonSerializable(typeof(BenchReport))]
internal sealed partial class BenchJsonContext : JsonSerializerContext;
