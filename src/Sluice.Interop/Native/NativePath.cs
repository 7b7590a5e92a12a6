using Sluice.Core.Paths;

namespace Sluice.Interop.Native;

// The one place where a path string becomes the bytes a system call reads. Linux names are bytes:
// FileNameEncoding maps a name that is not UTF-8 (decoded from a request or read by getdents64) back
// to its exact bytes, where Encoding.UTF8 would write U+FFFD and name another file.
internal static class NativePath
{
    // path's bytes and a NUL, in scratch when they fit; an empty path names "." (the directory itself)
    // when emptyIsDot, as openat2 and statx need for a path relative to a directory descriptor.
    internal static Span<byte> ToNulTerminated(ReadOnlySpan<char> path, Span<byte> scratch, bool emptyIsDot = false)
    {
        if (path.IsEmpty && emptyIsDot)
        {
            path = ".";
        }

        int byteCount = FileNameEncoding.GetByteCount(path);
        Span<byte> bytes = byteCount < scratch.Length ? scratch : new byte[byteCount + 1];
        int written = FileNameEncoding.GetBytes(path, bytes);
        bytes[written] = 0;
        return bytes[..(written + 1)];
    }
}
