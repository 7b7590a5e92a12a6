namespace Sluice.Server.Disk;

// A kernel path that some filesystems refuse. The value is a bit in FilesystemCapabilities.
public enum FilesystemCapability : byte
{
    // open(O_DIRECT) or an O_DIRECT read answered EINVAL (filesystems without direct I/O).
    Direct,
    // preadv2(RWF_DONTCACHE) answered EOPNOTSUPP (tmpfs on this kernel; kernels before 6.14).
    Dontcache,
    // preadv2(RWF_NOWAIT) answered EOPNOTSUPP (tmpfs on this kernel).
    Nowait,
    // sendfile(2) answered EINVAL/ENOSYS/EOPNOTSUPP before moving a byte.
    Sendfile,
    // splice(2) from a pipe into a file answered EINVAL (uploads: a filesystem without splice_write).
    Splice,
    // fsetxattr of user.sluice.sha256 answered ENOTSUP, EACCES, EPERM or EROFS (--digest-xattr:
    // a read-only tree or one without user attributes keeps digests in memory only).
    UserXattr,
}

public static class FilesystemCapabilityNames
{
    // The kernel's name for the path, for the log and the metrics label.
    public static string KernelName(this FilesystemCapability capability) => capability switch
    {
        FilesystemCapability.Direct => "O_DIRECT",
        FilesystemCapability.Dontcache => "RWF_DONTCACHE",
        FilesystemCapability.Nowait => "RWF_NOWAIT",
        FilesystemCapability.Splice => "splice",
        FilesystemCapability.UserXattr => "fsetxattr(user.*)",
        _ => "sendfile",
    };

    public static string Label(this FilesystemCapability capability) => capability switch
    {
        FilesystemCapability.Direct => "direct",
        FilesystemCapability.Dontcache => "dontcache",
        FilesystemCapability.Nowait => "nowait",
        FilesystemCapability.Splice => "splice",
        FilesystemCapability.UserXattr => "user_xattr",
        _ => "sendfile",
    };
}
