namespace Sluice.Server.Receive;

// The receive side of the planner: ReceivePolicy (through ReceiveMechanisms) picks per upload
// among splice, dontcache, direct and the connection side's BufferedReceive. A chunked body is
// not planned here: its framing is decoded in user space, so its data is already in a buffer and
// goes by pwrite (the chunked body writes it itself; ReceivePolicy says Buffered for it too).
public sealed class ReceivePlanner(ReceiveMechanisms mechanisms) : IReceivePlanner
{
    public IReceiveMechanism Pick(long length, bool isTls) => mechanisms.Pick(length, isTls);
}
