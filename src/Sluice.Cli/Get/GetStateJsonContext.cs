using System.Text.Json.Serialization;

namespace Sluice.Cli.Get;

// Source-generated, so the state needs no reflection (Native AOT).
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(GetState))]
internal sealed partial class GetStateJsonContext : JsonSerializerContext;
