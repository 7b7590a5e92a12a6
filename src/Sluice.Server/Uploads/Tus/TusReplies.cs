using System.Collections.Concurrent;
using System.Text;
using Sluice.Server.Files;

namespace Sluice.Server.Uploads.Tus;

// Short plain-text bodies that say which tus rule a request broke, so a client's log is useful.
internal static class TusReplies
{
    public const string MissingFilename = "Upload-Metadata must name the target: filename <base64 path>\n";
    public const string BadMetadata = "Upload-Metadata is not key/base64-value pairs\n";
    public const string BadTarget = "filename is not a path below the served root\n";
    public const string BadIfNoneMatch = "ifnonematch must be base64(\"*\")\n";
    public const string MissingLength = "Upload-Length is required (deferred length is not supported)\n";
    public const string BodyOnCreate = "creation-with-upload is not supported: POST without a body, then PATCH\n";
    public const string BadOffset = "Upload-Offset must be a non-negative integer\n";
    public const string OffsetMismatch = "Upload-Offset does not match the upload's offset: HEAD it and resume from there\n";
    public const string Busy = "another request is working on this upload: HEAD it and resume\n";
    public const string BeyondLength = "the body would pass Upload-Length\n";
    public const string TooLarge = "Upload-Length is larger than the server accepts (Tus-Max-Size)\n";
    public const string NoStagingRoom = "the staging area has no room for this upload\n";
    public const string NoRoom = "the file system of the target has no room for this upload\n";
    public const string WrongContentType = "PATCH bodies must be Content-Type: application/offset+octet-stream\n";
    public const string Repeated = "a tus field was sent more than once\n";
    public const string WrongVersion = "Tus-Resumable: 1.0.0 is required\n";
    public const string ParentMissing = "the target's directory does not exist\n";
    public const string IsDirectory = "the target is a directory\n";
    public const string Exists = "the target exists and ifnonematch was given\n";

    // Encoded once per reason (a handful of constants), not per response.
    private static readonly ConcurrentDictionary<string, byte[]> s_bytes = new(StringComparer.Ordinal);

    public static void Fail(ResponsePlan plan, int status, string? reason = null)
    {
        byte[] body = reason is null ? ErrorBodies.For(status) : s_bytes.GetOrAdd(reason, static r => Encoding.UTF8.GetBytes(r));
        plan.SetInline(status, body, ErrorBodies.ContentType);
    }
}
