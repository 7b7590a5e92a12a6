using Sluice.Core.Policy;
using Sluice.Interop.Memory;
using Sluice.Server.Disk;

namespace Sluice.Server.Receive;

// The receive mechanisms of one server and the policy that picks among them per upload: what the
// upload planner (IReceivePlanner) asks. One instance of each mechanism, shared by all uploads (they
// keep no per-upload state); splice twice, with and without drop-behind, as the decision's
// KeepOutOfCache says. The Buffered mechanism (recv + pwrite) is the connection side's and is
// passed in; it is also the splice mechanism's fallback for a transport without a socket.
public sealed class ReceiveMechanisms
{
    private readonly ReceivePolicyOptions _policy;
    private readonly IReceiveMechanism _buffered;
    private readonly SpliceReceive _splice;
    private readonly SpliceReceive _spliceDropBehind;
    private readonly DontcacheReceive _dontcache;
    private readonly DirectReceive _direct;
    private readonly OutOfCacheReceive _outOfCache;

    public ReceiveMechanisms(ReceivePolicyOptions policy, IDiskEngine disk, AlignedBufferPool buffers, FilesystemCapabilities capabilities, IReceiveMechanism buffered)
    {
        _policy = policy;
        _buffered = buffered;
        _splice = new SpliceReceive(disk, capabilities, buffered, dropBehind: false);
        _spliceDropBehind = new SpliceReceive(disk, capabilities, buffered, dropBehind: true);
        _dontcache = new DontcacheReceive(disk, buffers, capabilities);
        _direct = new DirectReceive(disk, buffers, capabilities);
        _outOfCache = new OutOfCacheReceive(_dontcache, _spliceDropBehind, capabilities);
    }

    // length: the Content-Length, or null for a chunked body.
    public ReceiveDecision Decide(long? length, bool isTls) => ReceivePolicy.Decide(_policy, length, isTls);

    public IReceiveMechanism Pick(long? length, bool isTls) => For(Decide(length, isTls));

    public IReceiveMechanism For(ReceiveDecision decision) => decision.Strategy switch
    {
        ReceiveStrategy.Splice => decision.KeepOutOfCache ? _spliceDropBehind : _splice,
        // auto's large bodies: dontcache, or splice with drop-behind where the file system refuses it.
        ReceiveStrategy.Dontcache => decision.Reason == ReceiveReason.Large ? _outOfCache : _dontcache,
        ReceiveStrategy.Direct => _direct,
        _ => _buffered,
    };
}
