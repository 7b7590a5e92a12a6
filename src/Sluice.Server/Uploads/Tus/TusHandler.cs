using Sluice.Core.Http;
using Sluice.Core.Uploads;
using Sluice.Server.Disk;
using Sluice.Server.Files;
using Sluice.Server.Receive;

namespace Sluice.Server.Uploads.Tus;

// Design note. Resumable uploads by tus 1.0.0 (core + creation + expiration + termination) on
// /-/uploads/ of the main listener. Like the file handler it only describes the response (the
// ResponsePlan); the connection sends it. Every file operation — opening the staged file, fsync,
// the record, the placement — runs on the disk engine (RunAsync); the body's bytes reach the
// staged file through RequestBody.WriteToAsync, whose receive mechanism keeps the same rule.
//
// Request flow: POST validates everything a client can learn early (target path, confinement,
// ifnonematch, size, quota, free space) and stages an empty file; PATCH appends at exactly the
// offset the server reports and fsyncs before it answers, also when the body was cut, so the next
// HEAD reports every byte that arrived; the PATCH that reaches Upload-Length places the file under
// its name before its 204. A failed placement answers its status and keeps the staged bytes: a
// later empty PATCH at Upload-Offset = Upload-Length retries it.
//
// Unknown, expired and other users' uploads answer 404 alike. 404 rather than the 410 some tus
// servers send: 410 would tell a prober that an id once existed, and after a restart or a sweep the
// server cannot tell "expired" from "never existed" anyway, so 410 could not be given consistently.
public sealed partial class TusHandler
{
    public const string CollectionPath = "/-/uploads/";

    private const string CollectionAllow = "OPTIONS, POST";
    private const string ResourceAllow = "OPTIONS, HEAD, PATCH, DELETE";

    private readonly TusStagingStore _store;
    private readonly IUploadPlacer _placer;
    private readonly IDiskEngine _disk;
    private readonly TusSettings _settings;

    public TusHandler(TusStagingStore store, IUploadPlacer placer, IDiskEngine disk, TusSettings settings)
    {
        _store = store;
        _placer = placer;
        _disk = disk;
        _settings = settings;
    }

    // "/-/uploads" and everything below it (the query is ignored). It shadows a served directory
    // named "-" while uploads are on (README).
    public static bool Matches(ReadOnlySpan<byte> target)
    {
        int query = target.IndexOf((byte)'?');
        if (query >= 0)
        {
            target = target[..query];
        }

        return target.SequenceEqual("/-/uploads"u8) || target.StartsWith("/-/uploads/"u8);
    }

    public async ValueTask HandleAsync(HttpRequestHead head, RequestBody body, ResponsePlan plan, string? user)
    {
        plan.Tus.Active = true;
        string owner = user ?? "";
        ReadOnlySpan<byte> target = head.TargetBytes;
        int query = target.IndexOf((byte)'?');
        ReadOnlySpan<byte> rest = (query >= 0 ? target[..query] : target)["/-/uploads"u8.Length..];
        bool collection = rest.IsEmpty || rest.SequenceEqual("/"u8);
        string? id = !collection && UploadId.IsValid(rest[1..]) ? System.Text.Encoding.ASCII.GetString(rest[1..]) : null;

        if (!collection && id is null)
        {
            TusReplies.Fail(plan, 404);
            return;
        }

        // OPTIONS is discovery: it needs no Tus-Resumable (tus 1.0.0 §OPTIONS).
        if (head.Method == HttpMethod.Options)
        {
            plan.Status = 204;
            plan.Tus.Discovery = true;
            plan.Tus.MaxSize = _settings.MaxUploadSize;
            return;
        }

        if (head.TusResumable is null || !TusProtocol.IsSupportedVersion(head.TusResumable))
        {
            TusReplies.Fail(plan, 412, TusReplies.WrongVersion);
            plan.Tus.VersionOnly = true;
            return;
        }

        if (head.UploadFieldRepeated)
        {
            TusReplies.Fail(plan, 400, TusReplies.Repeated);
            return;
        }

        switch (head.Method)
        {
            case HttpMethod.Post when collection:
                await CreateAsync(head, plan, owner).ConfigureAwait(false);
                return;
            case HttpMethod.Head when id is not null:
                Describe(id, plan, owner);
                return;
            case HttpMethod.Patch when id is not null:
                await PatchAsync(id, head, body, plan, owner).ConfigureAwait(false);
                return;
            case HttpMethod.Delete when id is not null:
                await TerminateAsync(id, plan, owner).ConfigureAwait(false);
                return;
            default:
                TusReplies.Fail(plan, 405);
                plan.Tus.Allow = collection ? CollectionAllow : ResourceAllow;
                return;
        }
    }

    private void Describe(string id, ResponsePlan plan, string owner)
    {
        StagedUpload? upload = _store.Find(id, owner);
        if (upload is null)
        {
            TusReplies.Fail(plan, 404);
            plan.OmitBody = true;
            return;
        }

        plan.Status = 200;
        plan.OmitBody = true;
        plan.Tus.Offset = upload.Offset;
        plan.Tus.Length = upload.Length;
        plan.Tus.Expires = upload.Expires;
        plan.Tus.NoStore = true;
    }

    private async ValueTask TerminateAsync(string id, ResponsePlan plan, string owner)
    {
        StagedUpload? upload = _store.Find(id, owner);
        if (upload is null)
        {
            TusReplies.Fail(plan, 404);
            return;
        }

        if (!upload.TryEnter())
        {
            TusReplies.Fail(plan, 409, TusReplies.Busy);
            return;
        }

        try
        {
            await _disk.RunAsync(static s => { s.Store.Remove(s.Upload); return true; }, (Store: _store, Upload: upload)).ConfigureAwait(false);
        }
        finally
        {
            upload.Exit();
        }

        plan.Status = 204;
    }

    private static int StatusOf(PlacementStatus status, out string? reason)
    {
        (int code, reason) = status switch
        {
            PlacementStatus.Exists => (412, TusReplies.Exists),
            PlacementStatus.ParentMissing => (409, TusReplies.ParentMissing),
            PlacementStatus.IsDirectory => (409, TusReplies.IsDirectory),
            PlacementStatus.Forbidden => (403, (string?)null),
            PlacementStatus.NoSpace => (507, TusReplies.NoRoom),
            _ => (500, null),
        };
        return code;
    }
}
