using Microsoft.Win32.SafeHandles;
using Sluice.Interop.Pal;
using Sluice.Server.Files;

namespace Sluice.Server.Uploads;

public sealed partial class UploadHandler
{
    // DELETE (RFC 9110 §9.3.5): a file → 204; an empty directory → 204; a directory with entries →
    // 409 (no recursive delete: one request must not be able to wipe a tree); missing → 404; a
    // symlink → 403 (writes never touch links).
    private async ValueTask DeleteAsync(ResponsePlan plan, string parent, string name)
    {
        int status;
        using (await _locks.AcquireAsync(Join(parent, name)).ConfigureAwait(false))
        {
            status = await _disk.RunAsync(static s => s.Self.Delete(s.Parent, s.Name), (Self: this, Parent: parent, Name: name)).ConfigureAwait(false);
        }

        UploadResponses.Set(plan, status);
    }

    // MKCOL (RFC 4918 §9.3): 201; the name exists → 405; the parent is missing → 409.
    private async ValueTask MakeDirectoryAsync(ResponsePlan plan, string parent, string name)
    {
        int status = await _disk.RunAsync(static s => s.Self.MakeDirectory(s.Parent, s.Name), (Self: this, Parent: parent, Name: name)).ConfigureAwait(false);
        UploadResponses.Set(plan, status);
        if (status == 405)
        {
            plan.Allow = AllowedMethods;
        }
    }

    private int Delete(string parent, string name)
    {
        try
        {
            return DeleteEntry(parent, name);
        }
        finally
        {
            Invalidate(parent, name);
        }
    }

    private int DeleteEntry(string parent, string name)
    {
        FileWriteStatus opened = FilePal.TryOpenDirectoryForWrite(_root, parent, out SafeFileHandle directory);
        if (opened != FileWriteStatus.Done)
        {
            // No parent, no target: 404 here, unlike PUT's 409.
            return opened == FileWriteStatus.NotFound ? 404 : UploadResponses.ForParent(opened);
        }

        using (directory)
        {
            DirectoryEntryKind kind = FilePal.GetEntry(directory, name, out _);
            if (kind == DirectoryEntryKind.Missing)
            {
                return 404;
            }

            if (kind is not (DirectoryEntryKind.File or DirectoryEntryKind.Directory))
            {
                return 403;
            }

            FileWriteStatus removed = FilePal.Unlink(directory, name, isDirectory: kind == DirectoryEntryKind.Directory);
            if (removed == FileWriteStatus.Done)
            {
                removed = FilePal.Fsync(directory);
            }

            return removed switch
            {
                FileWriteStatus.Done => 204,
                FileWriteStatus.NotEmpty or FileWriteStatus.Exists => 409,
                FileWriteStatus.NotFound => 404,
                _ => UploadResponses.ForWrite(removed),
            };
        }
    }

    private int MakeDirectory(string parent, string name)
    {
        try
        {
            return MakeDirectoryEntry(parent, name);
        }
        finally
        {
            Invalidate(parent, name);
        }
    }

    private int MakeDirectoryEntry(string parent, string name)
    {
        FileWriteStatus opened = FilePal.TryOpenDirectoryForWrite(_root, parent, out SafeFileHandle directory);
        if (opened != FileWriteStatus.Done)
        {
            return UploadResponses.ForParent(opened);
        }

        using (directory)
        {
            FileWriteStatus made = FilePal.MakeDirectory(directory, name, _options.DirectoryMode);
            if (made == FileWriteStatus.Done)
            {
                made = FilePal.Fsync(directory);
            }

            return made switch
            {
                FileWriteStatus.Done => 201,
                FileWriteStatus.Exists => 405,
                _ => UploadResponses.ForWrite(made),
            };
        }
    }
}
