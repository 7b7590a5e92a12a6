using System.Security.Cryptography;
using Microsoft.Win32.SafeHandles;
using Sluice.Interop.Pal;
using Sluice.Server.Disk;

namespace Sluice.Server.Digests;

// Reads a whole file through SHA-256 on the digest worker, keeping large files out of the page
// cache so that hashing a 10 GiB file does not evict the hot set that clients are being served.
//
// Below largeBytes (--direct-threshold) a file is read with plain pread: it is small, likely hot,
// and leaving it cached is what serving it would do anyway. At or above, preadv2(RWF_DONTCACHE):
// the kernel keeps its read-ahead and drops only the pages this read brought in (pages already
// cached stay). Where the filesystem refuses that flag (tmpfs, kernels before 6.14: learned once
// per filesystem in FilesystemCapabilities), pread with drop-behind: posix_fadvise(DONTNEED) of
// each chunk after hashing it, but only of a chunk none of whose pages were cached before it was
// read, so a range a client is downloading right now is never pulled from under it.
internal sealed class DigestHasher
{
    private const int ChunkBytes = 1024 * 1024;

    // One worker, one buffer.
    private readonly byte[] _buffer = new byte[ChunkBytes];
    private readonly long _largeBytes;
    private readonly FilesystemCapabilities _capabilities;
    private readonly DigestCounters _counters;

    public DigestHasher(long largeBytes, FilesystemCapabilities capabilities, DigestCounters counters)
    {
        _largeBytes = largeBytes;
        _capabilities = capabilities;
        _counters = counters;
    }

    // False when a read failed or the file ended early (it shrank): nothing is cached, and the
    // next request that wants the digest schedules it again. stop is polled between chunks.
    public bool TryHash(SafeFileHandle file, in FileMetadata metadata, Func<bool> stop, byte[] digest)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        bool large = metadata.Length >= _largeBytes;
        long offset = 0;
        while (offset < metadata.Length)
        {
            if (stop())
            {
                return false;
            }

            int count = (int)Math.Min(ChunkBytes, metadata.Length - offset);
            if (!TryReadFully(file, metadata.Device, large, offset, count))
            {
                return false;
            }

            hash.AppendData(_buffer, 0, count);
            _counters.AddBytesHashed(count);
            offset += count;
        }

        return hash.TryGetHashAndReset(digest, out int written) && written == digest.Length;
    }

    private bool TryReadFully(SafeFileHandle file, ulong device, bool large, long offset, int count)
    {
        if (large && !_capabilities.IsRefused(device, FilesystemCapability.Dontcache))
        {
            IoResult first = FilePal.PreadDontCache(file, _buffer.AsSpan(0, count), offset);
            if (first.Status != IoStatus.NotSupported)
            {
                return Complete(file, first, offset, count, dontcache: true);
            }

            _capabilities.Refuse(device, FilesystemCapability.Dontcache, $"errno {first.Errno}",
                "large files are read with drop-behind (posix_fadvise DONTNEED) instead");
        }

        // Residency before the read decides whether the chunk may be dropped after it.
        bool dropBehind = large
            && PageCachePal.TryGetResidency(file, offset, count, out Residency before)
            && before.ResidentPages == 0;
        bool read = Complete(file, FilePal.Pread(file, _buffer.AsSpan(0, count), offset), offset, count, dontcache: false);
        if (dropBehind)
        {
            FilePal.EvictFromPageCache(file, offset, count);
        }

        return read;
    }

    // Loops over short reads until count bytes are in the buffer.
    private bool Complete(SafeFileHandle file, IoResult result, long offset, int count, bool dontcache)
    {
        int done = 0;
        while (true)
        {
            if (result.Status != IoStatus.Done)
            {
                return false;
            }

            done += (int)result.Bytes;
            if (done >= count)
            {
                return true;
            }

            Span<byte> rest = _buffer.AsSpan(done, count - done);
            result = dontcache ? FilePal.PreadDontCache(file, rest, offset + done) : FilePal.Pread(file, rest, offset + done);
        }
    }
}
