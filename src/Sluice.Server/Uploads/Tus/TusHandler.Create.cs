using Sluice.Core.Http;
using Sluice.Core.Uploads;
using Sluice.Server.Files;

namespace Sluice.Server.Uploads.Tus;

// POST /-/uploads/ (tus creation extension).
public sealed partial class TusHandler
{
    private async ValueTask CreateAsync(HttpRequestHead head, ResponsePlan plan, string owner)
    {
        // No creation-with-upload: a body here would be bytes nobody accounts for.
        if (head.HasTransferEncoding || head.ContentLength > 0)
        {
            TusReplies.Fail(plan, 400, TusReplies.BodyOnCreate);
            plan.CloseConnection = true;
            return;
        }

        if (head.UploadLength is null || !TusProtocol.TryParseNonNegative(head.UploadLength, out long length))
        {
            TusReplies.Fail(plan, 400, TusReplies.MissingLength);
            return;
        }

        if (_settings.MaxUploadSize > 0 && length > _settings.MaxUploadSize)
        {
            TusReplies.Fail(plan, 413, TusReplies.TooLarge);
            return;
        }

        if (UploadMetadata.TryParse(head.UploadMetadata, out UploadMetadata metadata) != MetadataRejection.None)
        {
            TusReplies.Fail(plan, 400, TusReplies.BadMetadata);
            return;
        }

        if (!metadata.TryGetValue("filename", out byte[] filename))
        {
            TusReplies.Fail(plan, 400, TusReplies.MissingFilename);
            return;
        }

        switch (UploadTargetPath.Decode(filename, _settings.ServeDotfiles, out string target))
        {
            case TargetPathRejection.None:
                break;
            case TargetPathRejection.Dotfile:
                // The same rule as reads and PUT: a dotfile is not the server's to write.
                TusReplies.Fail(plan, 403);
                return;
            default:
                TusReplies.Fail(plan, 400, TusReplies.BadTarget);
                return;
        }

        bool ifNoneMatch = false;
        if (metadata.TryGetValue("ifnonematch", out byte[] condition))
        {
            if (!condition.AsSpan().SequenceEqual("*"u8))
            {
                TusReplies.Fail(plan, 400, TusReplies.BadIfNoneMatch);
                return;
            }

            ifNoneMatch = true;
        }

        PlacementStatus check = await _disk.RunAsync(
            static s => s.Placer.Check(s.Target, s.IfNoneMatch), (Placer: _placer, Target: target, IfNoneMatch: ifNoneMatch)).ConfigureAwait(false);
        if (check != PlacementStatus.Placed)
        {
            TusReplies.Fail(plan, StatusOf(check, out string? reason), reason);
            return;
        }

        (StageStatus staged, StagedUpload upload) = await _disk.RunAsync(
            static s =>
            {
                StageStatus status = s.Store.TryCreate(s.Target, s.Owner, s.Length, s.IfNoneMatch, out StagedUpload created);
                return (status, created);
            },
            (Store: _store, Target: target, Owner: owner, Length: length, IfNoneMatch: ifNoneMatch)).ConfigureAwait(false);
        switch (staged)
        {
            case StageStatus.Created:
                break;
            case StageStatus.QuotaExceeded or StageStatus.NoSpace:
                TusReplies.Fail(plan, 507, TusReplies.NoStagingRoom);
                return;
            default:
                TusReplies.Fail(plan, 500);
                return;
        }

        // An empty upload is complete at creation (tus 1.0.0: Upload-Length 0).
        if (length == 0 && !upload.TryEnter())
        {
            TusReplies.Fail(plan, 500);
            return;
        }

        if (length == 0)
        {
            try
            {
                PlacementStatus placed = await PlaceAsync(upload).ConfigureAwait(false);
                if (placed != PlacementStatus.Placed)
                {
                    await _disk.RunAsync(static s => { s.Store.Remove(s.Upload); return true; }, (Store: _store, Upload: upload)).ConfigureAwait(false);
                    TusReplies.Fail(plan, StatusOf(placed, out string? reason), reason);
                    return;
                }
            }
            finally
            {
                upload.Exit();
            }
        }

        plan.Status = 201;
        plan.Location = CollectionPath + upload.Id;
        plan.Tus.Expires = upload.Expires;
        if (length == 0)
        {
            plan.Tus.Offset = 0;
        }
    }
}
