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
// the file through that descriptor ("/proc/self/fd/N/name": the kernel resolves the magic link to
// the very directory we opened), so a directory swapped for a symlink after the check cannot
// redirect the write. The last component is never followed: rename and link replace or refuse a
// symlink there, they do not write through it.
//
// Atomicity: replace = rename(2); create-only = link(2) + unlink of the staged name (File.Move
// without overwrite on Unix), which fails with EEXIST if the name appeared meanwhile, so two
// racing create-only uploads place exactly one file. On a different file system (EXDEV) the bytes
// are first copied to a hidden name in the target directory and fsynced, and that is renamed or
// linked: still atomic, and a crash leaves at most a dot-file that is never served.
// TODO(merge): h3's AtomicFileWriter does this with O_TMPFILE + linkat and renameat2 on the
// directory descriptor (no hidden name at all); the lead unifies the two behind this interface.
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
            if (System.IO.Directory.Exists(path))
            {
                return PlacementStatus.IsDirectory;
            }

            return ifNoneMatch && (File.Exists(path) || new FileInfo(path).LinkTarget is not null) ? PlacementStatus.Exists : PlacementStatus.Placed;
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
            string destination = ThroughDescriptor(directory!, name);
            if (System.IO.Directory.Exists(destination))
            {
                return PlacementStatus.IsDirectory;
            }

            string source = stagedPath;
            if (!SameFileSystem(stagedPath, directory!))
            {
                hidden = ThroughDescriptor(directory!, "." + name + ".sluice-" + UploadId.New()[..12] + ".part");
                File.Copy(stagedPath, hidden);
                using (SafeFileHandle copy = File.OpenHandle(hidden, FileMode.Open, FileAccess.Write))
                {
                    RandomAccess.FlushToDisk(copy);
                }

                source = hidden;
            }

            File.Move(source, destination, overwrite: !ifNoneMatch);
            hidden = null;
            RandomAccess.FlushToDisk(directory!);
            if (source != stagedPath)
            {
                File.Delete(stagedPath);
            }

            return PlacementStatus.Placed;
        }
        catch (UnauthorizedAccessException)
        {
            return PlacementStatus.Forbidden;
        }
        catch (DirectoryNotFoundException)
        {
            return PlacementStatus.ParentMissing;
        }
        catch (IOException e)
        {
            return FromErrno(e.HResult);
        }
        finally
        {
            if (hidden is not null)
            {
                File.Delete(hidden);
            }

            if (owned)
            {
                directory!.Dispose();
            }
        }
    }

    // On Unix, .NET's IOException carries the errno as its HResult.
    private static PlacementStatus FromErrno(int errno) => errno switch
    {
        17 => PlacementStatus.Exists,          // EEXIST
        21 or 39 => PlacementStatus.IsDirectory, // EISDIR, ENOTEMPTY
        20 => PlacementStatus.ParentMissing,   // ENOTDIR
        28 or 122 => PlacementStatus.NoSpace,  // ENOSPC, EDQUOT
        1 or 13 or 30 => PlacementStatus.Forbidden, // EPERM, EACCES, EROFS
        _ => PlacementStatus.Failed,
    };

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

    private static string ThroughDescriptor(SafeFileHandle directory, string name) =>
        "/proc/self/fd/" + ((int)directory.DangerousGetHandle()).ToString(CultureInfo.InvariantCulture) + "/" + name;

    private static bool SameFileSystem(string stagedPath, SafeFileHandle directory)
    {
        using SafeFileHandle staged = File.OpenHandle(stagedPath, FileMode.Open, FileAccess.Read);
        return FilePal.TryGetMetadata(staged, out FileMetadata a) && FilePal.TryGetMetadata(directory, out FileMetadata b) && a.Device == b.Device;
    }
}
