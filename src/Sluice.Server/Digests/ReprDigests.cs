using System.Collections.Concurrent;
using Microsoft.Win32.SafeHandles;
using Sluice.Core.Digests;
using Sluice.Interop.Pal;
using Sluice.Server.Disk;
using Sluice.Server.Files;
using Sluice.Server.Logging;

namespace Sluice.Server.Digests;

// Repr-Digest (RFC 9530) for files: a SHA-256 per file version, computed once, off the request path.
//
// Design note. A request that wants a digest looks it up in memory (lock-free, on whatever thread
// serves it). On a miss it is answered WITHOUT the field, and the file is queued for the digest
// worker: hashing a large file while a client waits would turn a digest into a latency cliff, and
// RFC 9530 lets a server omit the field. Later requests for that version get it.
//
// Threading: one dedicated background thread (marked a disk thread) runs the queue, one file at a
// time, so hashing takes at most one core and one stream of disk reads however many files are
// asked for. The queue is bounded (QueueCapacity) and deduplicated by version: a request finding
// it full is counted and answered without, and a later request queues again. A queued job holds a
// reference on the response's descriptor (DangerousAddRef), so it reads exactly the inode the
// client was served, and the open-file cache can close it only after the job releases it.
//
// Per job: statx (the version now), then the attribute user.sluice.sha256 if it describes this
// version (no read of the file at all), else a full read (DigestHasher), then statx again: a file
// that changed while it was read gets no digest, since the bytes hashed may mix two versions.
// With --digest-xattr the result is then stored in the attribute; a filesystem that refuses
// (read-only, no user attributes, not permitted) is remembered and logged once per filesystem.
public sealed class ReprDigests : IDisposable
{
    public const string AttributeName = "user.sluice.sha256";
    public const int QueueCapacity = 64;
    public const int DefaultCacheEntries = 10_000;

    private readonly BlockingCollection<Job> _queue = new(new ConcurrentQueue<Job>(), QueueCapacity);
    private readonly ConcurrentDictionary<DigestKey, byte> _pending = new();
    private readonly FilesystemCapabilities _capabilities;
    private readonly IServerLog _log;
    private readonly bool _writeAttribute;
    private readonly DigestHasher _hasher;
    private readonly Thread _worker;
    private volatile bool _stopping;

    public ReprDigests(FilesystemCapabilities capabilities, IServerLog log, bool writeAttribute, long largeBytes, int cacheEntries = DefaultCacheEntries)
    {
        _capabilities = capabilities;
        _log = log;
        _writeAttribute = writeAttribute;
        Cache = new DigestCache(cacheEntries);
        _hasher = new DigestHasher(largeBytes, capabilities, Counters);
        _worker = new Thread(Work) { IsBackground = true, Name = "sluice-digest" };
        _worker.Start();
    }

    public DigestCounters Counters { get; } = new();

    public DigestCache Cache { get; }

    // The Repr-Digest field value for file's version, or null (then queued) when not known yet.
    // Never blocks and never touches the disk.
    public string? TryGetOrSchedule(in FileRef file)
    {
        var key = DigestKey.Of(file.Metadata);
        if (Cache.TryGet(key, out string header))
        {
            Counters.CountCacheHit();
            return header;
        }

        Schedule(file.Handle, key);
        return null;
    }

    private void Schedule(SafeFileHandle handle, DigestKey key)
    {
        if (_stopping || !_pending.TryAdd(key, 0))
        {
            return; // queued or running already
        }

        bool added = false;
        handle.DangerousAddRef(ref added);
        bool queued = false;
        try
        {
            queued = _queue.TryAdd(new Job(handle, key));
        }
        catch (Exception ex) when (ex is InvalidOperationException or ObjectDisposedException)
        {
            // CompleteAdding or Dispose: the server is stopping.
        }

        if (queued)
        {
            Counters.CountScheduled();
            return;
        }

        handle.DangerousRelease();
        _pending.TryRemove(key, out _);
        Counters.CountQueueFull();
    }

    private void Work()
    {
        BlockingGuard.MarkDiskThread();
        byte[] digest = new byte[ReprDigestField.Sha256Length];
        foreach (Job job in _queue.GetConsumingEnumerable())
        {
            try
            {
                if (!_stopping)
                {
                    Run(job.Handle, digest);
                }
            }
            catch (Exception ex)
            {
                // A bug, not an errno (those are results): log it and go on with the next file.
                _log.Warn($"digest: {ex.GetType().Name}: {ex.Message}");
            }
            finally
            {
                job.Handle.DangerousRelease();
                _pending.TryRemove(job.Key, out _);
            }
        }
    }

    private void Run(SafeFileHandle file, byte[] digest)
    {
        // The version now, which may be newer than the request's: its digest is the useful one.
        if (!FilePal.TryGetMetadata(file, out FileMetadata before) || !before.IsRegularFile)
        {
            return;
        }

        var key = DigestKey.Of(before);
        if (Cache.TryGet(key, out _))
        {
            return;
        }

        if (TryReadAttribute(file, before, digest))
        {
            Counters.CountXattrHit();
            Cache.Add(key, ReprDigestField.FormatSha256(digest));
            return;
        }

        if (!_hasher.TryHash(file, before, () => _stopping, digest)
            || !FilePal.TryGetMetadata(file, out FileMetadata after) || !after.SameVersionAs(before))
        {
            Counters.CountDiscarded();
            return;
        }

        Counters.CountComputed();
        Cache.Add(key, ReprDigestField.FormatSha256(digest));
        if (_writeAttribute)
        {
            WriteAttribute(file, before, digest);
        }
    }

    // Read even without --digest-xattr: a tree prepared by another Sluice (or a replica of one)
    // carries digests that a read-only server can use.
    private bool TryReadAttribute(SafeFileHandle file, in FileMetadata metadata, byte[] digest)
    {
        Span<byte> value = stackalloc byte[DigestRecord.MaxBytes];
        switch (XattrPal.TryGet(file, AttributeName, value, out int length))
        {
            case XattrStatus.Done:
                break;
            case XattrStatus.TooLarge:
                Counters.CountXattrStale();
                return false;
            default:
                return false; // absent, or a filesystem without user attributes
        }

        if (!DigestRecord.TryParse(value[..length], out DigestRecord record)
            || record.Length != metadata.Length || record.ModifiedUnixNanoseconds != metadata.ModifiedUnixNanoseconds)
        {
            Counters.CountXattrStale();
            return false;
        }

        record.Sha256.CopyTo(digest, 0);
        return true;
    }

    // Note: setting an attribute moves the file's ctime (not its mtime, so neither the digest's
    // key nor the ETag changes); the open-file cache sees a new ctime and reopens once.
    private void WriteAttribute(SafeFileHandle file, in FileMetadata metadata, byte[] digest)
    {
        if (_capabilities.IsRefused(metadata.Device, FilesystemCapability.UserXattr))
        {
            return;
        }

        byte[] value = new DigestRecord(metadata.Length, metadata.ModifiedUnixNanoseconds, digest).Format();
        XattrStatus status = XattrPal.TrySet(file, AttributeName, value);
        switch (status)
        {
            case XattrStatus.Done:
                Counters.CountXattrWrite();
                return;
            case XattrStatus.NotSupported or XattrStatus.NotPermitted:
                Counters.CountXattrWriteFailure();
                _capabilities.Refuse(metadata.Device, FilesystemCapability.UserXattr, status == XattrStatus.NotSupported ? "ENOTSUP" : "EACCES, EPERM or EROFS",
                    "digests of its files are kept in memory only");
                return;
            default:
                Counters.CountXattrWriteFailure();
                return;
        }
    }

    public void Dispose()
    {
        _stopping = true;
        _queue.CompleteAdding();
        // Each chunk polls _stopping, so the worker ends within one read; jobs still queued are
        // released without being run.
        if (!_worker.Join(TimeSpan.FromSeconds(10)))
        {
            _log.Warn("digest: the worker did not stop within 10 s");
            return;
        }

        _queue.Dispose();
    }

    private readonly record struct Job(SafeFileHandle Handle, DigestKey Key);
}
