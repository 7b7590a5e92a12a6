using System.Text.Json;

namespace Sluice.Cli.Get;

// The sidecar of an unfinished `sluice get`, FILE.sluice-get beside FILE.part: which URL, which
// version of it (the validator sent in If-Range on resume), its length, the chunk size, and the
// chunks that are in FILE.part for sure. "For sure" is the invariant: a chunk is listed only after
// its bytes were written and FILE.part was fsynced (GetCheckpoint), so a crash or power cut can lose
// chunks from the list but never list a chunk whose bytes are missing. Written to a temporary name
// and renamed, so the file on disk is always one whole state; an unreadable one starts over.
internal sealed record GetState(
    string Url,
    long Length,
    string? Validator,
    long ChunkSize,
    string? ReprDigest,
    List<int> Done)
{
    public const string Suffix = ".sluice-get";

    public static string PathFor(string output) => output + Suffix;

    public bool Matches(string url, long chunkSize) => Url == url && ChunkSize == chunkSize && Validator is not null;

    public static GetState? Load(string output)
    {
        try
        {
            return JsonSerializer.Deserialize(File.ReadAllText(PathFor(output)), GetStateJsonContext.Default.GetState);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException)
        {
            return null;
        }
    }

    public void Save(string output)
    {
        string path = PathFor(output);
        string temporary = path + ".tmp";
        File.WriteAllText(temporary, JsonSerializer.Serialize(this, GetStateJsonContext.Default.GetState));
        File.Move(temporary, path, overwrite: true);
    }

    public static void Delete(string output) => File.Delete(PathFor(output));
}
