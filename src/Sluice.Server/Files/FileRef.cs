using Microsoft.Win32.SafeHandles;
using Sluice.Core.Preconditions;
using Sluice.Interop.Pal;

namespace Sluice.Server.Files;

// An open file lent to one response: either owned (closed when the response ends) or leased from
// the open-file cache (a reference released when the response ends; the cache closes the
// descriptor once it is evicted and no response holds it).
public readonly struct FileRef
{
    private readonly bool _leased;

    private FileRef(SafeFileHandle handle, in FileMetadata metadata, string? etag, bool leased, string? resolvedPath)
    {
        Handle = handle;
        ResolvedPath = resolvedPath;
        Metadata = metadata;
        _leased = leased;
        ETag = etag ?? (metadata.IsRegularFile ? EntityTags.Create(metadata.Length, metadata.ModifiedUnixNanoseconds) : "");
    }

    // The strong validator, computed once per open (and so once per cache entry).
    public string ETag { get; }

    public SafeFileHandle Handle { get; }

    // The absolute path the kernel resolved when this descriptor was opened (/proc/self/fd/N),
    // symlinks followed; null when it could not be read. Access rules that depend on where a file
    // really is (--public) check this, never the request path.
    public string? ResolvedPath { get; }

    public FileMetadata Metadata { get; }

    // Lent by the open-file cache: ResolvedPath is where the file was when the cache opened it.
    public bool IsLeased => _leased;

    public static FileRef Owned(SafeFileHandle handle, in FileMetadata metadata, string? resolvedPath = null) => new(handle, metadata, null, leased: false, resolvedPath);

    // The caller has already taken a reference with DangerousAddRef.
    public static FileRef Leased(SafeFileHandle handle, in FileMetadata metadata, string etag, string? resolvedPath = null) => new(handle, metadata, etag, leased: true, resolvedPath);

    public void Release()
    {
        if (_leased)
        {
            Handle.DangerousRelease();
        }
        else
        {
            Handle.Dispose();
        }
    }
}
