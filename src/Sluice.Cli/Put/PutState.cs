using System.Globalization;

namespace Sluice.Cli.Put;

// The sidecar state of an interrupted tus upload, FILE.sluice-put beside FILE: where the upload lives
// on the server and which version of FILE it carries. A later `sluice put` of the same FILE to the
// same target resumes from the offset the server reports (HEAD); a FILE whose size or modification
// time changed, or another target, starts over, because the staged bytes would belong to another file.
// The format is "key value" lines, written to a temporary name and renamed so a crash never leaves
// half a state file (a half one would be ignored anyway: any unreadable state starts over).
internal sealed record PutState(string Target, string UploadUrl, long Size, long ModifiedTicks)
{
    public const string Suffix = ".sluice-put";

    public static string PathFor(string file) => file + Suffix;

    public bool Matches(FileInfo file, string target) =>
        Target == target && Size == file.Length && ModifiedTicks == file.LastWriteTimeUtc.Ticks;

    public static PutState For(FileInfo file, string target, string uploadUrl) =>
        new(target, uploadUrl, file.Length, file.LastWriteTimeUtc.Ticks);

    public static PutState? Load(string file)
    {
        string path = PathFor(file);
        string[] lines;
        try
        {
            lines = File.ReadAllLines(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }

        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string line in lines)
        {
            int space = line.IndexOf(' ', StringComparison.Ordinal);
            if (space > 0)
            {
                values[line[..space]] = line[(space + 1)..];
            }
        }

        return values.TryGetValue("target", out string? target)
            && values.TryGetValue("upload", out string? upload)
            && values.TryGetValue("size", out string? size) && long.TryParse(size, NumberStyles.None, CultureInfo.InvariantCulture, out long sizeValue)
            && values.TryGetValue("mtime", out string? mtime) && long.TryParse(mtime, NumberStyles.None, CultureInfo.InvariantCulture, out long mtimeValue)
            ? new PutState(target, upload, sizeValue, mtimeValue)
            : null;
    }

    public void Save(string file)
    {
        string path = PathFor(file);
        string temporary = path + ".tmp";
        File.WriteAllText(temporary, string.Create(
            CultureInfo.InvariantCulture,
            $"target {Target}\nupload {UploadUrl}\nsize {Size}\nmtime {ModifiedTicks}\n"));
        File.Move(temporary, path, overwrite: true);
    }

    public static void Delete(string file) => File.Delete(PathFor(file));
}
