using Sluice.Interop.Pal;

namespace Sluice.Server.Receive;

internal static class ReceiveOutcomes
{
    public static ReceiveOutcome FromWrite(ReceiveIoStatus status) => status switch
    {
        ReceiveIoStatus.Done => ReceiveOutcome.Completed,
        ReceiveIoStatus.NoSpace => ReceiveOutcome.NoSpace,
        ReceiveIoStatus.NotPermitted => ReceiveOutcome.NotPermitted,
        ReceiveIoStatus.PeerGone => ReceiveOutcome.PeerGone,
        _ => ReceiveOutcome.Failed,
    };
}
