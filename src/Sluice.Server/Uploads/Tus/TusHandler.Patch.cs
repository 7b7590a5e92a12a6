using Microsoft.Win32.SafeHandles;
using Sluice.Core.Http;
using Sluice.Core.Uploads;
using Sluice.Server.Files;
using Sluice.Server.Receive;

namespace Sluice.Server.Uploads.Tus;

// PATCH /-/uploads/<id> (tus core) and the placement of a completed upload.
public sealed partial class TusHandler
{
    private async ValueTask PatchAsync(string id, HttpRequestHead head, RequestBody body, ResponsePlan plan, string owner)
    {
        if (head.RequestContentType is null || !TusProtocol.IsOffsetContentType(head.RequestContentType))
        {
            TusReplies.Fail(plan, 415, TusReplies.WrongContentType);
            plan.CloseConnection = true;
            return;
        }

        if (head.UploadOffset is null || !TusProtocol.TryParseNonNegative(head.UploadOffset, out long clientOffset))
        {
            TusReplies.Fail(plan, 400, TusReplies.BadOffset);
            plan.CloseConnection = true;
            return;
        }

        StagedUpload? upload = _store.Find(id, owner);
        if (upload is null)
        {
            TusReplies.Fail(plan, 404);
            plan.CloseConnection = true;
            return;
        }

        if (!upload.TryEnter())
        {
            TusReplies.Fail(plan, 409, TusReplies.Busy);
            plan.CloseConnection = true;
            return;
        }

        try
        {
            await PatchHeldAsync(upload, clientOffset, body, plan).ConfigureAwait(false);
        }
        finally
        {
            upload.Exit();
        }
    }

    // Runs while this request holds the upload (no other PATCH, DELETE or sweep can touch it).
    private async ValueTask PatchHeldAsync(StagedUpload upload, long clientOffset, RequestBody body, ResponsePlan plan)
    {
        switch (UploadOffsets.Check(upload.Offset, upload.Length, clientOffset, body.DeclaredLength))
        {
            case PatchCheck.OffsetMismatch:
                // The body is not read: the connection closes after the answer (RequestBody contract).
                TusReplies.Fail(plan, 409, TusReplies.OffsetMismatch);
                plan.CloseConnection = true;
                return;
            case PatchCheck.BeyondLength:
                TusReplies.Fail(plan, 413, TusReplies.BeyondLength);
                plan.CloseConnection = true;
                return;
        }

        if (!upload.Completed && upload.Offset < upload.Length)
        {
            ReceiveOutcome outcome = await ReceiveAsync(upload, body).ConfigureAwait(false);
            if (outcome != ReceiveOutcome.Completed)
            {
                FailReceive(plan, outcome);
                return;
            }
        }

        if (!upload.Completed && upload.Offset == upload.Length)
        {
            PlacementStatus placed = await PlaceAsync(upload).ConfigureAwait(false);
            if (placed != PlacementStatus.Placed)
            {
                // The staged bytes stay until expiry: an empty PATCH at this offset retries.
                TusReplies.Fail(plan, StatusOf(placed, out string? reason), reason);
                plan.Tus.Offset = upload.Offset;
                return;
            }
        }

        plan.Status = 204;
        plan.Tus.Offset = upload.Offset;
        plan.Tus.Expires = upload.Expires;
    }

    // Writes the body at the upload's offset, then — whatever the outcome — makes the bytes that
    // arrived durable and advances the offset by exactly them. A body cut mid-way keeps its prefix.
    private async ValueTask<ReceiveOutcome> ReceiveAsync(StagedUpload upload, RequestBody body)
    {
        SafeFileHandle data = await _disk.RunAsync(static s => s.Store.OpenData(s.Upload), (Store: _store, Upload: upload)).ConfigureAwait(false);
        try
        {
            ReceiveResult result = default;
            try
            {
                result = await body.WriteToAsync(data, upload.Offset, UploadOffsets.Remaining(upload.Offset, upload.Length)).ConfigureAwait(false);
            }
            finally
            {
                await _disk.RunAsync(
                    static s => s.Store.Commit(s.Upload, s.Data, s.Written), (Store: _store, Upload: upload, Data: data, Written: result.Bytes)).ConfigureAwait(false);
            }

            return result.Outcome;
        }
        finally
        {
            data.Dispose();
        }
    }

    private ValueTask<PlacementStatus> PlaceAsync(StagedUpload upload) =>
        new(_disk.RunAsync(
            static s =>
            {
                PlacementStatus placed = s.Placer.Place(s.Store.DataPath(s.Upload), s.Upload.Target, s.Upload.IfNoneMatch);
                if (placed == PlacementStatus.Placed)
                {
                    s.Store.MarkCompleted(s.Upload);
                }

                return placed;
            },
            (Store: _store, Placer: _placer, Upload: upload)));

    // RequestBody's outcomes to statuses (ReceiveOutcome's own table). A peer that went away or
    // stalled gets no useful answer, but the plan still closes the connection.
    private static void FailReceive(ResponsePlan plan, ReceiveOutcome outcome)
    {
        switch (outcome)
        {
            case ReceiveOutcome.TooLarge:
                TusReplies.Fail(plan, 413, TusReplies.BeyondLength);
                break;
            case ReceiveOutcome.NoSpace:
                TusReplies.Fail(plan, 507, TusReplies.NoStagingRoom);
                break;
            case ReceiveOutcome.NotPermitted:
                TusReplies.Fail(plan, 403);
                break;
            case ReceiveOutcome.BadFraming or ReceiveOutcome.PeerGone:
                TusReplies.Fail(plan, 400);
                break;
            case ReceiveOutcome.TimedOut:
                TusReplies.Fail(plan, 408);
                break;
            default:
                TusReplies.Fail(plan, 500);
                break;
        }

        plan.CloseConnection = true;
    }
}
