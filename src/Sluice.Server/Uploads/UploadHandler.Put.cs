using Microsoft.Win32.SafeHandles;
using Sluice.Core.Http;
using Sluice.Core.Preconditions;
using Sluice.Interop.Pal;
using Sluice.Server.Files;
using Sluice.Server.Receive;

namespace Sluice.Server.Uploads;

public sealed partial class UploadHandler
{
    // PUT: everything that can refuse the upload is checked before the first body byte is read
    // (size 413, parent 409/403, target kind, preconditions 412, free space 507), so a client that
    // sent Expect: 100-continue learns it without sending the body. The file is then received
    // beside its target (AtomicFileWriter) and committed under the path's lock, where the
    // preconditions are checked again against the file as it is now (RFC 9110 §13.1: the lost
    // update an If-Match prevents happens between the check and the write).
    private async ValueTask PutAsync(HttpRequestHead head, RequestBody body, ResponsePlan plan, string parent, string name)
    {
        if (head.HasContentRange)
        {
            // RFC 9110 §14.5: this server has no partial PUT, and storing the fragment as the whole
            // file would destroy the rest of it.
            UploadResponses.Set(plan, 400);
            return;
        }

        long length = body.DeclaredLength ?? 0;
        if (length > _options.MaxUploadSize)
        {
            UploadResponses.Set(plan, 413);
            return;
        }

        var conditions = new RequestConditions(head.IfMatch, head.IfNoneMatch, null, head.IfUnmodifiedSince, null);
        (int status, AtomicFileWriter? writer) = await _disk.RunAsync(
            static s => s.Self.Prepare(s.Parent, s.Name, s.Length, s.Conditions),
            (Self: this, Parent: parent, Name: name, Length: length, Conditions: conditions)).ConfigureAwait(false);
        if (writer is null)
        {
            UploadResponses.Set(plan, status);
            return;
        }

        bool createOnly = head.IfNoneMatch is { } inm && inm.Trim() == "*";
        try
        {
            // A chunked body (no declared length) is bounded by the limit as it is decoded.
            if (length > 0 || body.DeclaredLength is null)
            {
                ReceiveResult received = await body.WriteToAsync(writer.File, 0, body.DeclaredLength is null ? _options.MaxUploadSize : length).ConfigureAwait(false);
                if (received.Outcome != ReceiveOutcome.Completed)
                {
                    UploadResponses.Set(plan, UploadResponses.ForReceive(received.Outcome));
                    return;
                }
            }

            (int Status, string? ETag) committed;
            using (await _locks.AcquireAsync(Join(parent, name)).ConfigureAwait(false))
            {
                committed = await _disk.RunAsync(
                    static s =>
                    {
                        (int Status, string? ETag) result = s.Self.Commit(s.Writer, s.Name, s.CreateOnly, s.Conditions);
                        s.Self.Invalidate(s.Parent, s.Name);
                        return result;
                    },
                    (Self: this, Writer: writer, Parent: parent, Name: name, CreateOnly: createOnly, Conditions: conditions)).ConfigureAwait(false);
            }

            UploadResponses.Set(plan, committed.Status);
            plan.ETag = committed.ETag;
        }
        finally
        {
            // Closing the unnamed file frees it; a named temporary one is unlinked (engine: may block).
            await _disk.RunAsync(static w => { w.Dispose(); return true; }, writer).ConfigureAwait(false);
        }
    }

    // On the disk engine. Returns the writer (and status 0) when the upload may proceed.
    private (int Status, AtomicFileWriter? Writer) Prepare(string parent, string name, long length, RequestConditions conditions)
    {
        FileWriteStatus opened = FilePal.TryOpenDirectoryForWrite(_root, parent, out SafeFileHandle directory);
        if (opened != FileWriteStatus.Done)
        {
            return (UploadResponses.ForParent(opened), null);
        }

        int refused = CheckTarget(directory, name, conditions);
        if (refused == 0 && FilePal.TryGetAvailableBytes(directory, out long available) && available - length < _options.Reserve)
        {
            refused = 507;
        }

        if (refused != 0)
        {
            directory.Dispose();
            return (refused, null);
        }

        FileWriteStatus created = AtomicFileWriter.TryBegin(directory, _options.FileMode, out AtomicFileWriter? writer);
        if (created != FileWriteStatus.Done)
        {
            directory.Dispose();
            return (UploadResponses.ForWrite(created), null);
        }

        return (0, writer);
    }

    // On the disk engine, under the path's lock.
    private (int Status, string? ETag) Commit(AtomicFileWriter writer, string name, bool createOnly, RequestConditions conditions)
    {
        int refused = CheckTarget(writer.Directory, name, conditions, out long replacedModified);
        if (refused != 0)
        {
            return (refused, null);
        }

        // The ETag is mtime + length and the kernel's mtime is coarse (one jiffy): a version
        // written within the tick of the one it replaces would carry its ETag, and an If-Match
        // holding the old one would overwrite the new (a lost update). So the file gets a
        // fine-grained time, later than the version it replaces (under the path's lock).
        long now = (DateTime.UtcNow.Ticks - DateTime.UnixEpoch.Ticks) * 100;
        FileWriteStatus status = FilePal.SetModifiedTime(writer.File, Math.Max(now, replacedModified + 1));
        if (status != FileWriteStatus.Done)
        {
            return (UploadResponses.ForWrite(status), null);
        }

        status = writer.Commit(name, createOnly, out bool replaced);
        if (status != FileWriteStatus.Done)
        {
            return (UploadResponses.ForWrite(status), null);
        }

        string? etag = FilePal.TryGetMetadata(writer.File, out FileMetadata metadata)
            ? EntityTags.Create(metadata.Length, metadata.ModifiedUnixNanoseconds)
            : null;
        return (replaced ? 204 : 201, etag);
    }

    // 0 when name in directory may be written under conditions; else the refusal's status.
    private static int CheckTarget(SafeFileHandle directory, string name, in RequestConditions conditions) =>
        CheckTarget(directory, name, conditions, out _);

    // The same; currentModified: the mtime (ns) of the file there now, else 0.
    private static int CheckTarget(SafeFileHandle directory, string name, in RequestConditions conditions, out long currentModified)
    {
        DirectoryEntryKind kind = FilePal.GetEntry(directory, name, out FileMetadata current);
        currentModified = kind == DirectoryEntryKind.File ? current.ModifiedUnixNanoseconds : 0;
        switch (kind)
        {
            case DirectoryEntryKind.Symlink or DirectoryEntryKind.Other or DirectoryEntryKind.Failed:
                return 403;
            case DirectoryEntryKind.Directory:
                return 409;
            case DirectoryEntryKind.Missing:
                // RFC 9110 §13.1.1: If-Match is false when there is no current representation.
                return conditions.IfMatch is not null ? 412 : 0;
        }

        string etag = EntityTags.Create(current.Length, current.ModifiedUnixNanoseconds);
        DateTimeOffset lastModified = DateTimeOffset.FromUnixTimeSeconds(current.ModifiedUnixNanoseconds / 1_000_000_000L);
        return PreconditionEvaluator.Evaluate(conditions, etag, lastModified, isGetOrHead: false) == PreconditionResult.Proceed ? 0 : 412;
    }
}
