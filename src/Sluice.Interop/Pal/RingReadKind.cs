namespace Sluice.Interop.Pal;

// How a ring read's errors are read, the same way FilePal reads them for pread and preadv2.
public enum RingReadKind : byte
{
    // A read through the page cache: every error is a failure.
    Plain,
    // A read on an O_DIRECT descriptor: EINVAL means the alignment or the filesystem refuses it.
    Direct,
    // RWF_DONTCACHE: EOPNOTSUPP (tmpfs, kernels before 6.14), EINVAL or ENOSYS mean refused.
    Dontcache,
}
