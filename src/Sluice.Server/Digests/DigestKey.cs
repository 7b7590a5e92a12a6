using Sluice.Interop.Pal;

namespace Sluice.Server.Digests;

// One version of one file: the identity (device, inode) and what a write moves (size, mtime).
// The same key as the strong ETag's inputs plus the identity, so a digest is never served for
// bytes its ETag would not also claim.
public readonly record struct DigestKey(ulong Device, ulong Inode, long Length, long ModifiedUnixNanoseconds)
{
    public static DigestKey Of(in FileMetadata metadata) =>
        new(metadata.Device, metadata.Inode, metadata.Length, metadata.ModifiedUnixNanoseconds);
}
