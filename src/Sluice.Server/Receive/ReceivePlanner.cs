namespace Sluice.Server.Receive;

// The seam's first body: every upload is received by recv + pwrite (BufferedReceive). The splice,
// uncached and direct mechanisms replace this body with a policy (issue 11, item 3).
public sealed class ReceivePlanner(IReceiveMechanism buffered) : IReceivePlanner
{
    public IReceiveMechanism Pick(long length, bool isTls) => buffered;
}
