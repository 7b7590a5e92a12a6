namespace Sluice.Interop.Native;

// The errno values Sluice reacts to. These generic values are identical on x86-64 and arm64.
internal enum Errno
{
    EPERM = 1,
    ENOENT = 2,
    EINTR = 4,
    EIO = 5,
    EBADF = 9,
    EAGAIN = 11,
    ENOMEM = 12,
    EACCES = 13,
    EFAULT = 14,
    EXDEV = 18,
    ENOTDIR = 20,
    EISDIR = 21,
    EINVAL = 22,
    ENFILE = 23,
    EMFILE = 24,
    EFBIG = 27,
    ENOSPC = 28,
    ESPIPE = 29,
    EPIPE = 32,
    ENAMETOOLONG = 36,
    ENOSYS = 38,
    ELOOP = 40,
    EOPNOTSUPP = 95,
    ECONNABORTED = 103,
    ECONNRESET = 104,
    ENOTCONN = 107,
    ETIMEDOUT = 110,
}
