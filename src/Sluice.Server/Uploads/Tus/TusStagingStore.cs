using System.Collections.Concurrent;
using Microsoft.Win32.SafeHandles;
using Sluice.Core.Uploads;
using Sluice.Interop.Pal;

namespace Sluice.Server.Uploads.Tus;

// Design note. The staging store keeps each resumable upload as two files in a directory that is
// never served: "<id>.data" (the bytes received so far) and "<id>.info" (StagedUploadRecord: target,
// owner, length, times). The durable offset is the data file's size: after every PATCH the file is
// truncated to exactly the bytes the receive reported and fsynced before the 204, so an offset a
// client was told survives a crash of the server or the machine, and a restart (Load) finds every
// upload again from the directory alone. Info files are replaced by write-new + fsync + rename +
// fsync(dir), never edited in place.
//
// Quota: each incomplete upload reserves its declared Upload-Length at creation, so the staging
// area can never be overcommitted by uploads that were admitted (a client cannot create small and
// grow). Completed uploads keep only their info file and reserve nothing.
//
// Threading: every method here blocks on the disk and is called through the disk engine
// (IDiskEngine.RunAsync) or from the expiry timer, never on a thread that serves sockets.
public sealed class TusStagingStore
{
    private const string DataSuffix = ".data";
    private const string InfoSuffix = ".info";
    private const string TempSuffix = ".tmp";

    private readonly ConcurrentDictionary<string, StagedUpload> _uploads = new(StringComparer.Ordinal);
    private readonly Lock _quotaLock = new();
    private readonly TimeSpan _expiry;
    private readonly long _quota;
    private readonly TimeProvider _time;
    private long _reserved;

    public TusStagingStore(string directory, TimeSpan expiry, long quota, TimeProvider time)
    {
        Directory = Path.GetFullPath(directory);
        _expiry = expiry;
        _quota = quota;
        _time = time;
    }

    public string Directory { get; }

    public long ReservedBytes => Interlocked.Read(ref _reserved);

    public int Count => _uploads.Count;

    public string DataPath(StagedUpload upload) => Path.Combine(Directory, upload.Id + DataSuffix);

    private string InfoPath(string id) => Path.Combine(Directory, id + InfoSuffix);

    // Creates the directory (0700, so the files inside are no one else's to read: staged bytes are users' unfinished files) and reloads
    // every upload a previous run left; broken or orphaned files are removed, expired uploads swept.
    public void Load()
    {
        if (!OperatingSystem.IsWindows())
        {
            System.IO.Directory.CreateDirectory(Directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        foreach (string path in System.IO.Directory.EnumerateFiles(Directory))
        {
            string name = Path.GetFileName(path);
            if (name.EndsWith(TempSuffix, StringComparison.Ordinal))
            {
                // A record whose rename never happened: the old record (if any) is still whole.
                File.Delete(path);
                continue;
            }

            if (!name.EndsWith(InfoSuffix, StringComparison.Ordinal))
            {
                continue;
            }

            string id = name[..^InfoSuffix.Length];
            StagedUpload? upload = UploadId.IsValid(id) ? StagedUploadRecord.TryParse(id, File.ReadAllText(path)) : null;
            var data = new FileInfo(Path.Combine(Directory, id + DataSuffix));
            if (upload is null || (!upload.Completed && !data.Exists))
            {
                DeleteFiles(id);
                continue;
            }

            if (!upload.Completed)
            {
                upload.Offset = Math.Min(data.Length, upload.Length);
                Interlocked.Add(ref _reserved, upload.Length);
            }
            else
            {
                upload.Offset = upload.Length;
            }

            _uploads[id] = upload;
        }

        // Data without a record: a creation that crashed before its record was renamed into place.
        foreach (string path in System.IO.Directory.EnumerateFiles(Directory, "*" + DataSuffix))
        {
            string id = Path.GetFileName(path)[..^DataSuffix.Length];
            if (!_uploads.ContainsKey(id))
            {
                File.Delete(path);
            }
        }

        Sweep();
    }

    public StageStatus TryCreate(string target, string owner, long length, bool ifNoneMatch, out StagedUpload upload)
    {
        DateTimeOffset now = _time.GetUtcNow();
        upload = new StagedUpload(UploadId.New(), target, owner, length, now, now + _expiry, ifNoneMatch);
        lock (_quotaLock)
        {
            if (_quota > 0 && _reserved + length > _quota)
            {
                return StageStatus.QuotaExceeded;
            }

            _reserved += length;
        }

        try
        {
            if (new DriveInfo(Directory).AvailableFreeSpace < length)
            {
                Release(upload);
                return StageStatus.NoSpace;
            }

            using (SafeFileHandle data = File.OpenHandle(DataPath(upload), FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                RandomAccess.FlushToDisk(data);
            }

            WriteInfo(upload);
            _uploads[upload.Id] = upload;
            return StageStatus.Created;
        }
        catch (IOException)
        {
            DeleteFiles(upload.Id);
            Release(upload);
            return StageStatus.Failed;
        }
    }

    // Unknown, expired, removed and other users' uploads all look alike: null (404). An owner
    // mismatch must not be distinguishable from "no such upload", or ids could be probed.
    public StagedUpload? Find(string id, string owner)
    {
        if (!_uploads.TryGetValue(id, out StagedUpload? upload) || upload.Removed
            || !string.Equals(upload.Owner, owner, StringComparison.Ordinal) || IsExpired(upload))
        {
            return null;
        }

        return upload;
    }

    public bool IsExpired(StagedUpload upload) => _time.GetUtcNow() >= upload.Expires;

    public SafeFileHandle OpenData(StagedUpload upload) =>
        File.OpenHandle(DataPath(upload), FileMode.Open, FileAccess.Write, FileShare.None);

    // After a PATCH wrote `written` bytes at upload.Offset (whatever the receive's outcome): cut
    // anything past them (a mechanism that failed mid-block may have extended the file), fsync, and
    // only then advance the offset the server reports.
    public long Commit(StagedUpload upload, SafeFileHandle data, long written)
    {
        long offset = upload.Offset + Math.Clamp(written, 0, upload.Length - upload.Offset);
        if (RandomAccess.GetLength(data) != offset)
        {
            RandomAccess.SetLength(data, offset);
        }

        RandomAccess.FlushToDisk(data);
        upload.Offset = offset;
        return offset;
    }

    // The data file was placed under its name: keep the record (completed) until expiry.
    public void MarkCompleted(StagedUpload upload)
    {
        upload.Completed = true;
        upload.Offset = upload.Length;
        WriteInfo(upload);
        Release(upload);
    }

    public void Remove(StagedUpload upload)
    {
        if (!_uploads.TryRemove(upload.Id, out _))
        {
            return;
        }

        upload.Removed = true;
        DeleteFiles(upload.Id);
        if (!upload.Completed)
        {
            Release(upload);
        }
    }

    // Removes every expired upload that no request holds; returns how many went.
    public int Sweep()
    {
        int removed = 0;
        foreach (StagedUpload upload in _uploads.Values)
        {
            if (IsExpired(upload) && upload.TryEnter())
            {
                try
                {
                    Remove(upload);
                    removed++;
                }
                finally
                {
                    upload.Exit();
                }
            }
        }

        return removed;
    }

    private void Release(StagedUpload upload) => Interlocked.Add(ref _reserved, -upload.Length);

    private void WriteInfo(StagedUpload upload)
    {
        string info = InfoPath(upload.Id);
        string temp = info + TempSuffix;
        using (SafeFileHandle file = File.OpenHandle(temp, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            RandomAccess.Write(file, StagedUploadRecord.Format(upload), 0);
            RandomAccess.FlushToDisk(file);
        }

        File.Move(temp, info, overwrite: true);
        SyncDirectory(Directory);
    }

    private void DeleteFiles(string id)
    {
        File.Delete(Path.Combine(Directory, id + DataSuffix));
        File.Delete(InfoPath(id));
    }

    // A rename or a new name is durable only once its directory is fsynced (ext4, XFS: the entry
    // lives in the directory's blocks, not the file's).
    internal static void SyncDirectory(string path)
    {
        if (FilePal.TryOpenDirectory(path, out SafeFileHandle directory) != FileOpenStatus.Opened)
        {
            throw new IOException($"cannot open directory '{path}' to sync it");
        }

        using (directory)
        {
            RandomAccess.FlushToDisk(directory);
        }
    }
}
