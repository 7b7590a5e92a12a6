using System.Security.Cryptography;
using Microsoft.Win32.SafeHandles;
using Sluice.Interop.Pal;

namespace Sluice.Server.Uploads;

// One upload's file, written beside its target and given the target's name only when complete.
//
// Design note: the file is created unnamed (O_TMPFILE) in the target's directory, so until the
// commit it has no name at all: a failed, aborted or oversized upload, a client that goes away,
// even a SIGKILL of the server, leaves nothing in the tree (the kernel frees an unlinked inode on
// close or at the next mount). Commit = fsync the file, then linkat(/proc/self/fd/N →
// name), which fails with EEXIST rather than replace — so "create only" (If-None-Match: *) is
// atomic against every other writer, in this process or not. A replace links the file under a
// temporary dot-name and renames it over the target (rename is atomic: a reader sees the old file
// or the new one, never a mix). Then the directory is fsynced, so the new name survives a crash.
// Where the file system refuses O_TMPFILE the file is created under a temporary dot-name
// (".sluice-upload-<hex>", hidden: dotfiles are neither served nor listed by default) and renamed
// with renameat2 (RENAME_NOREPLACE for create-only); a SIGKILL then leaves that temporary file.
// Every method blocks on the disk: callers run them on the disk engine.
public sealed class AtomicFileWriter : IDisposable
{
    private const string TemporaryPrefix = ".sluice-upload-";

    private readonly SafeFileHandle _directory;
    private string? _temporaryName;
    private bool _committed;

    private AtomicFileWriter(SafeFileHandle directory, SafeFileHandle file, string? temporaryName)
    {
        _directory = directory;
        File = file;
        _temporaryName = temporaryName;
    }

    public SafeFileHandle File { get; }

    // The target's directory (opened beneath the root, no symlinks), for checks at commit.
    public SafeFileHandle Directory => _directory;

    // True when the file system refused O_TMPFILE and the file has a temporary name until commit.
    public bool IsNamed => _temporaryName is not null;

    // Takes ownership of directory (disposed with the writer).
    public static FileWriteStatus TryBegin(SafeFileHandle directory, int mode, out AtomicFileWriter? writer)
    {
        writer = null;
        FileWriteStatus status = FilePal.TryCreateTemporary(directory, mode, out SafeFileHandle file);
        if (status == FileWriteStatus.Done)
        {
            writer = new AtomicFileWriter(directory, file, temporaryName: null);
            return status;
        }

        if (status != FileWriteStatus.NotSupported)
        {
            return status;
        }

        string name = NewTemporaryName();
        status = FilePal.TryCreateExclusive(directory, name, mode, out file);
        if (status == FileWriteStatus.Done)
        {
            writer = new AtomicFileWriter(directory, file, name);
        }

        return status;
    }

    // Gives the file the name `name`: Exists when createOnly and the name is taken (nothing
    // changed); replaced says whether an existing file was replaced.
    public FileWriteStatus Commit(string name, bool createOnly, out bool replaced)
    {
        replaced = false;
        FileWriteStatus status = FilePal.Fsync(File);
        if (status != FileWriteStatus.Done)
        {
            return status;
        }

        status = _temporaryName is null ? LinkUnnamed(name, createOnly, out replaced) : RenameNamed(name, createOnly, out replaced);
        if (status != FileWriteStatus.Done)
        {
            return status;
        }

        _committed = true;
        // The new name is durable only once the directory is (fsync(2): "fsync on the file does not
        // ensure that the entry in the directory containing the file has also reached disk").
        return FilePal.Fsync(_directory);
    }

    // Closes the file; an uncommitted named temporary file is removed. Blocks (unlink): call on the engine.
    public void Dispose()
    {
        File.Dispose();
        if (!_committed && _temporaryName is not null)
        {
            FilePal.Unlink(_directory, _temporaryName, isDirectory: false);
            _temporaryName = null;
        }

        _directory.Dispose();
    }

    private FileWriteStatus LinkUnnamed(string name, bool createOnly, out bool replaced)
    {
        replaced = false;
        FileWriteStatus status = FilePal.LinkTemporary(File, _directory, name);
        if (status != FileWriteStatus.Exists || createOnly)
        {
            return status;
        }

        // Replace: a temporary name first, then rename over the target (linkat cannot replace).
        string temporary = NewTemporaryName();
        status = FilePal.LinkTemporary(File, _directory, temporary);
        if (status != FileWriteStatus.Done)
        {
            return status;
        }

        status = FilePal.Rename(_directory, temporary, name, noReplace: false);
        if (status != FileWriteStatus.Done)
        {
            FilePal.Unlink(_directory, temporary, isDirectory: false);
            return status;
        }

        replaced = true;
        return status;
    }

    private FileWriteStatus RenameNamed(string name, bool createOnly, out bool replaced)
    {
        replaced = false;
        FileWriteStatus status = FilePal.Rename(_directory, _temporaryName!, name, noReplace: true);
        if (status == FileWriteStatus.Exists && !createOnly)
        {
            status = FilePal.Rename(_directory, _temporaryName!, name, noReplace: false);
            replaced = status == FileWriteStatus.Done;
        }

        if (status == FileWriteStatus.Done)
        {
            _temporaryName = null;
        }

        return status;
    }

    private static string NewTemporaryName() => TemporaryPrefix + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
}
