using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;
using Sluice.Interop.Native;

namespace Sluice.Interop.Pal;

// Reads a directory's names as the bytes the kernel stores, by getdents64. .NET's enumeration
// decodes names as UTF-8 with U+FFFD for invalid bytes, so a name that is not UTF-8 could be shown
// but never opened again; here the caller gets the exact bytes (FileNameEncoding makes them a string
// that maps back). "." and ".." are skipped: no caller lists them.
//
// The reader opens its own descriptor for the directory ("." beneath the given one): getdents64
// advances the descriptor's position, and the given descriptor may be shared (the open-file cache),
// so reading through it would race with another reader and leave it at the end.
// Blocking: every call may wait on the disk (disk engine only).
public sealed class DirectoryReader : IDisposable
{
    private const int BufferSize = 32 * 1024;

    private readonly SafeFileHandle _handle;
    private readonly byte[] _buffer = new byte[BufferSize];
    private int _position;
    private int _length;

    private DirectoryReader(SafeFileHandle handle) => _handle = handle;

    public static FileOpenStatus TryOpen(SafeFileHandle directory, out DirectoryReader reader)
    {
        BlockingGuard.Check("openat2");
        reader = null!;
        var how = new Libc.OpenHow
        {
            Flags = (ulong)(Libc.O_RDONLY | Libc.O_DIRECTORY | Libc.O_CLOEXEC),
            Resolve = Libc.RESOLVE_BENEATH | Libc.RESOLVE_NO_MAGICLINKS,
        };
        int fd;
        do
        {
            fd = Libc.Openat2((int)directory.DangerousGetHandle(), ".\0"u8, how);
        }
        while (fd < 0 && Libc.LastErrno == Errno.EINTR);

        GC.KeepAlive(directory);
        FileOpenStatus status = FilePal.Wrap(fd, out SafeFileHandle handle);
        if (status == FileOpenStatus.Opened)
        {
            reader = new DirectoryReader(handle);
        }

        return status;
    }

    // The next entry's name (valid until the next call) and type.
    public DirectoryReadStatus Next(out ReadOnlySpan<byte> name, out DirectoryEntryType type)
    {
        while (true)
        {
            if (_position >= _length)
            {
                DirectoryReadStatus filled = Fill();
                if (filled != DirectoryReadStatus.Entry)
                {
                    name = default;
                    type = DirectoryEntryType.Unknown;
                    return filled;
                }
            }

            ReadOnlySpan<byte> record = _buffer.AsSpan(_position, _length - _position);
            int length = MemoryMarshal.Read<ushort>(record[Libc.Dirent64ReclenOffset..]);
            record = record[..length];
            _position += length;
            ReadOnlySpan<byte> field = record[Libc.Dirent64NameOffset..];
            name = field[..field.IndexOf((byte)0)];
            type = (DirectoryEntryType)record[Libc.Dirent64TypeOffset];
            if (name is [(byte)'.'] or [(byte)'.', (byte)'.'])
            {
                continue;
            }

            return DirectoryReadStatus.Entry;
        }
    }

    private unsafe DirectoryReadStatus Fill()
    {
        BlockingGuard.Check("getdents64");
        nint n;
        fixed (byte* b = _buffer)
        {
            do
            {
                n = Libc.Getdents64((int)_handle.DangerousGetHandle(), b, BufferSize);
            }
            while (n < 0 && Libc.LastErrno == Errno.EINTR);
        }

        GC.KeepAlive(_handle);
        _position = 0;
        _length = n > 0 ? (int)n : 0;
        return n > 0 ? DirectoryReadStatus.Entry : n == 0 ? DirectoryReadStatus.End : DirectoryReadStatus.Failed;
    }

    public void Dispose() => _handle.Dispose();
}
