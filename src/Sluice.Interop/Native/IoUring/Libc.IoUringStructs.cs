using System.Runtime.InteropServices;

namespace Sluice.Interop.Native;

// The io_uring ABI (include/uapi/linux/io_uring.h), with the kernel's field names and explicit
// offsets so a layout mistake is visible against the header.
internal static partial class Libc
{
    internal const byte IORING_OP_NOP = 0;
    internal const byte IORING_OP_READ_FIXED = 4;
    internal const byte IORING_OP_READ = 22;

    internal const ushort IO_URING_OP_SUPPORTED = 1 << 0;

    [StructLayout(LayoutKind.Explicit, Size = 40)]
    internal struct IoSqringOffsets
    {
        [FieldOffset(0)] public uint head;
        [FieldOffset(4)] public uint tail;
        [FieldOffset(8)] public uint ring_mask;
        [FieldOffset(12)] public uint ring_entries;
        [FieldOffset(16)] public uint flags;
        [FieldOffset(20)] public uint dropped;
        [FieldOffset(24)] public uint array;
        [FieldOffset(28)] public uint resv1;
        [FieldOffset(32)] public ulong user_addr;
    }

    [StructLayout(LayoutKind.Explicit, Size = 40)]
    internal struct IoCqringOffsets
    {
        [FieldOffset(0)] public uint head;
        [FieldOffset(4)] public uint tail;
        [FieldOffset(8)] public uint ring_mask;
        [FieldOffset(12)] public uint ring_entries;
        [FieldOffset(16)] public uint overflow;
        [FieldOffset(20)] public uint cqes;
        [FieldOffset(24)] public uint flags;
        [FieldOffset(28)] public uint resv1;
        [FieldOffset(32)] public ulong user_addr;
    }

    [StructLayout(LayoutKind.Explicit, Size = 120)]
    internal struct IoUringParams
    {
        [FieldOffset(0)] public uint sq_entries;
        [FieldOffset(4)] public uint cq_entries;
        [FieldOffset(8)] public uint flags;
        [FieldOffset(12)] public uint sq_thread_cpu;
        [FieldOffset(16)] public uint sq_thread_idle;
        [FieldOffset(20)] public uint features;
        [FieldOffset(24)] public uint wq_fd;
        // resv[3] at 28..40
        [FieldOffset(40)] public IoSqringOffsets sq_off;
        [FieldOffset(80)] public IoCqringOffsets cq_off;
    }

    // struct io_uring_sqe, 64 bytes. Only the members of the read and nop opcodes are named; the
    // unions keep their first read-relevant name (off, addr, rw_flags, buf_index).
    [StructLayout(LayoutKind.Explicit, Size = 64)]
    internal struct IoUringSqe
    {
        [FieldOffset(0)] public byte opcode;
        [FieldOffset(1)] public byte flags;
        [FieldOffset(2)] public ushort ioprio;
        [FieldOffset(4)] public int fd;
        [FieldOffset(8)] public ulong off;
        [FieldOffset(16)] public ulong addr;
        [FieldOffset(24)] public uint len;
        [FieldOffset(28)] public int rw_flags;
        [FieldOffset(32)] public ulong user_data;
        [FieldOffset(40)] public ushort buf_index;
        [FieldOffset(42)] public ushort personality;
        [FieldOffset(44)] public int splice_fd_in;
        [FieldOffset(48)] public ulong addr3;
        [FieldOffset(56)] public ulong __pad2;
    }

    [StructLayout(LayoutKind.Explicit, Size = 16)]
    internal struct IoUringCqe
    {
        [FieldOffset(0)] public ulong user_data;
        [FieldOffset(8)] public int res;
        [FieldOffset(12)] public uint flags;
    }

    // struct io_uring_probe: a 16-byte header followed by ops_len io_uring_probe_op entries.
    [StructLayout(LayoutKind.Explicit, Size = 16)]
    internal struct IoUringProbe
    {
        [FieldOffset(0)] public byte last_op;
        [FieldOffset(1)] public byte ops_len;
    }

    [StructLayout(LayoutKind.Explicit, Size = 8)]
    internal struct IoUringProbeOp
    {
        [FieldOffset(0)] public byte op;
        [FieldOffset(2)] public ushort flags;
    }
}
