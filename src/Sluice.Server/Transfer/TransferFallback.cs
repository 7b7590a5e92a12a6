namespace Sluice.Server.Transfer;

// Why a mechanism did not move (all of) a body the way it was decided: the access log's reason
// and the label of sluice_fallbacks_total, so a fallback is never counted as the original path.
public enum TransferFallback : byte
{
    None,
    // The kernel or filesystem refused the path (O_DIRECT EINVAL, RWF_DONTCACHE EOPNOTSUPP).
    KernelRefused,
    // The read-buffer budget was exhausted (other transfers hold every aligned buffer): the body
    // went by reads into a small heap buffer instead of waiting for theirs.
    BufferBudget,
}

public static class TransferFallbackNames
{
    public static string Label(this TransferFallback fallback) => fallback switch
    {
        TransferFallback.KernelRefused => "kernel-refused",
        TransferFallback.BufferBudget => "buffer-budget",
        _ => "none",
    };
}
