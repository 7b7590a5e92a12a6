using System.Buffers;
using Microsoft.Win32.SafeHandles;
using Sluice.Interop.Pal;

namespace Sluice.Server.Disk;

public sealed partial class IoUringDiskEngine
{
    // One "read fully" request: its progress, its slot while in the kernel, and what keeps its
    // memory and descriptor alive until the last completion.
    private sealed class RingRead(DiskReadKind kind, SafeFileHandle file, nint address, MemoryHandle pin, int count, long offset, int alignment)
    {
        private MemoryHandle _pin = pin;

        public TaskCompletionSource<DiskReadResult> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public DiskReadKind Kind { get; } = kind;

        public RingReadKind RingKind { get; } = kind switch
        {
            DiskReadKind.Direct => RingReadKind.Direct,
            DiskReadKind.Dontcache => RingReadKind.Dontcache,
            _ => RingReadKind.Plain,
        };

        public SafeFileHandle File { get; } = file;

        public bool OwnsFileReference { get; set; }

        public nint Address { get; } = address;

        public int Count { get; } = count;

        public long Offset { get; } = offset;

        public int Alignment { get; } = alignment;

        public int Slot { get; set; } = -1;

        // The registered buffer the address lies in (READ_FIXED), or -1.
        public int FixedBuffer { get; init; } = -1;

        public int Done { get; set; }

        public int Calls { get; set; }

        public int Retries { get; set; }

        public void Finish(DiskReadResult result)
        {
            _pin.Dispose();
            if (OwnsFileReference)
            {
                OwnsFileReference = false;
                File.DangerousRelease();
            }

            Completion.TrySetResult(result);
        }
    }
}
