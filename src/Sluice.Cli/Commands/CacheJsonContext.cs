using System.Text.Json.Serialization;

namespace Sluice.Cli.Commands;

// Source-generated, so `cache --json` needs no reflection (Native AOT).
[JsonSerializable(typeof(string))]
internal sealed partial class CacheJsonContext : JsonSerializerContext;
