using System.Globalization;
using Microsoft.Win32.SafeHandles;
using Sluice.Core.Uploads;
using Sluice.Interop.Pal;

namespace Sluice.Server.Uploads.Tus;

// Placement by rename (same file system) or by copy-beside-then-rename (different ones).
//
// Confinement: the parent directory is opened with openat2(RESOLVE_BENEATH) from the root's
// descriptor, and its resolved path (/proc/self/fd) must be exactly root + parent — so no ".."
// and no symlink anywhere on the way, even one that stays inside the tree. The final step names
// the file relative to that descriptor (renameat2), so a directory swapped for a symlink after the
// check cannot redirect the write. The last component is never followed: rename replaces or
// refuses a symlink there, it does not write through it.
//
// Atomicity: replace = renameat2(0); create-only = renameat2(RENAME_NOREPLACE), which fails with
// EEXIST if the name appeared meanwhile, so two racing create-only uploads place exactly one file.
// (File.Move(overwrite: false) is not atomic against a racing creator: with it, the racing test
// placed two files.) On a different file system (EXDEV) the bytes are first copied to a
// hidden name in the target directory and fsynced, and that is renamed: still atomic, and a crash
// leaves at most a dot-file, which is never served.
// Why not PUT's AtomicFileWriter: it creates its file (O_TMPFILE) in the target's directory and
// names it at commit, but a tus upload's bytes must sit in a *named* file outside the tree across
// many requests and restarts (an unnamed file dies with its last descriptor). Placing such a file
// is one renameat2 between two directories; through the writer it would be linkat of the staged
// descriptor, plus (replace) a temporary dot-name in the tree, a rename and an unlink — more steps,
// a name in the tree, no stronger guarantee. The rules are PUT's: no symlink on the way (checked
// here by the resolved path, PUT by RESOLVE_NO_SYMLINKS), a symlink at the name is 403, parents
// are never created, create-only is atomic, file and directory are fsynced.
public sealed class RenamePlacer : IUploadPlacer
{
    private readonly SafeFileHandle _root;
    private readonly string _rootPath;

    public RenamePlacer(SafeFileHandle root)
    {
        _root = root;
        _rootPath = FilePal.TryGetResolvedPath(root) ?? throw new IOException("cannot resolve the served root's path");
    }

    public PlacementStatus Check(string target, bool ifNoneMatch)
    {
        (string parent, string name) = Split(target);
        PlacementStatus opened = OpenParent(parent, out SafeFileHandle? directory, out bool owned);
        if (opened != PlacementStatus.Placed)
        {
            return opened;
        }

        try
        {
            string path = ThroughDescriptor(directory!, name);
            if (IsSymlink(path))
            {
                return PlacementStatus.Forbidden;
            }

            if (System.IO.Directory.Exists(path))
            {
                return PlacementStatus.IsDirectory;
            }

            return ifNoneMatch && File.Exists(path) ? PlacementStatus.Exists : PlacementStatus.Placed;
        }
        finally
        {
            if (owned)
            {
                directory!.Dispose();
            }
        }
    }

    public PlacementStatus Place(string stagedPath, string target, bool ifNoneMatch)
    {
        (string parent, string name) = Split(target);
        PlacementStatus opened = OpenParent(parent, out SafeFileHandle? directory, out bool owned);
        if (opened != PlacementStatus.Placed)
        {
            return opened;
        }

        string? hidden = null;
        try
        {
            if (FilePal.TryOpenDirectory(Path.GetDirectoryName(stagedPath)!, out SafeFileHandle staging) != FileOpenStatus.Opened)
            {
                return PlacementStatus.Failed;
            }

            using (staging)
            {
                // As PUT (UploadHandler): rename would replace the link itself, never write through
                // it, but a link in the tree is not the uploader's to replace.
                if (IsSymlink(ThroughDescriptor(directory!, name)))
                {
                    return PlacementStatus.Forbidden;
                }

                RenameStatus renamed = RenamePal.Rename(staging, Path.GetFileName(stagedPath), directory!, name, noReplace: ifNoneMatch);
                if (renamed == RenameStatus.CrossDevice)
                {
                    // Copy beside the target under a hidden name, make it durable, then rename it
                    // within the target directory: the name still changes in one step.
                    hidden = "." + name + ".sluice-" + UploadId.New()[..12] + ".part";
                    File.Copy(stagedPath, ThroughDescriptor(directory!, hidden));
                    using (SafeFileHandle copy = File.OpenHandle(ThroughDescriptor(directory!, hidden), FileMode.Open, FileAccess.Write))
                    {
                        RandomAccess.FlushToDisk(copy);
                    }

                    renamed = RenamePal.Rename(directory!, hidden, directory!, name, noReplace: ifNoneMatch);
                    if (renamed == RenameStatus.Renamed)
                    {
                        hidden = null;
                        File.Delete(stagedPath);
                    }
                }

                if (renamed != RenameStatus.Renamed)
                {
                    return renamed switch
                    {
                        RenameStatus.Exists => PlacementStatus.Exists,
                        RenameStatus.NotFound => PlacementStatus.ParentMissing,
                        RenameStatus.IsDirectory => PlacementStatus.IsDirectory,
                        RenameStatus.NoSpace => PlacementStatus.NoSpace,
                        RenameStatus.NotPermitted => PlacementStatus.Forbidden,
                        _ => PlacementStatus.Failed,
                    };
                }

                // Both directory entries changed: the new name must survive a crash.
                RandomAccess.FlushToDisk(directory!);
                RandomAccess.FlushToDisk(staging);
                return PlacementStatus.Placed;
            }
        }
        catch (UnauthorizedAccessException)
        {
            return PlacementStatus.Forbidden;
        }
        catch (IOException e)
        {
            // ENOSPC, EDQUOT while copying across file systems (.NET's HResult is the errno on Unix).
            return e.HResult is 28 or 122 ? PlacementStatus.NoSpace : PlacementStatus.Failed;
        }
        finally
        {
            if (hidden is not null)
            {
                File.Delete(ThroughDescriptor(directory!, hidden));
            }

            if (owned)
            {
                directory!.Dispose();
            }
        }
    }

    private static (string Parent, string Name) Split(string target)
    {
        int slash = target.LastIndexOf('/');
        return slash < 0 ? ("", target) : (target[..slash], target[(slash + 1)..]);
    }

    private PlacementStatus OpenParent(string parent, out SafeFileHandle? directory, out bool owned)
    {
        directory = null;
        owned = false;
        if (parent.Length == 0)
        {
            directory = _root;
            return PlacementStatus.Placed;
        }

        FileOpenStatus status = FilePal.TryOpenBeneath(_root, parent, confine: true, direct: false, out SafeFileHandle handle);
        switch (status)
        {
            case FileOpenStatus.Opened:
                break;
            case FileOpenStatus.NotFound:
                return PlacementStatus.ParentMissing;
            case FileOpenStatus.OutsideRoot or FileOpenStatus.PermissionDenied:
                return PlacementStatus.Forbidden;
            default:
                return PlacementStatus.Failed;
        }

        if (!FilePal.TryGetMetadata(handle, out FileMetadata metadata) || !metadata.IsDirectory)
        {
            handle.Dispose();
            return PlacementStatus.ParentMissing;
        }

        // RESOLVE_BENEATH admits symlinks that stay inside; uploads follow none (as PUT).
        if (FilePal.TryGetResolvedPath(handle) != Path.Join(_rootPath, parent))
        {
            handle.Dispose();
            return PlacementStatus.Forbidden;
        }

        directory = handle;
        owned = true;
        return PlacementStatus.Placed;
    }

    private static bool IsSymlink(string path) => new FileInfo(path).LinkTarget is not null;

    private static string ThroughDescriptor(SafeFileHandle directory, string name) =>
        "/proc/self/fd/" + ((int)directory.DangerousGetHandle()).ToString(CultureInfo.InvariantCulture) + "/" + name;
}
