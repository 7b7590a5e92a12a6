using Microsoft.Win32.SafeHandles;
using Sluice.Interop.Pal;

namespace Sluice.Server.Files;

// An open file lent to one response: either owned (closed when the response ends) or leased from
// the open-file cache (a reference released when the response ends; the cache closes the
// descriptor once it is evicted and no response holds it).
public readonly struct FileRef
{
    private readonly bool _leased;

    private FileRef(SafeFileHandle handle, in FileMetadata metadata, bool leased)
    {
        Handle = handle;
        Metadata = metadata;
        _leased = leased;
    }

    public SafeFileHandle Handle { get; }

    public FileMetadata Metadata { get; }

    public static FileRef Owned(SafeFileHandle handle, in FileMetadata metadata) => new(handle, metadata, leased: false);

    // The caller has already taken a reference with DangerousAddRef.
    public static FileRef Leased(SafeFileHandle handle, in FileMetadata metadata) => new(handle, metadata, leased: true);

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
