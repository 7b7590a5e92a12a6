using Sluice.Core.Policy;
using Sluice.Interop.Pal;
using Sluice.Server.Files;
using Sluice.Server.Transfer;

namespace Sluice.Server.Planning;

// Plan: the step between describe (the file handler) and move (a mechanism). It owns residency
// (cachestat), fadvise and the policy call, so the handler only describes and the mechanisms
// only move. It knows, from the connection's transport, whether the connection is TLS and whether
// sendfile can carry its bytes at all (a stream transport cannot: the kernel never sees the stream).
//
// Residency is measured at most once per response and only where an answer changes something:
// auto's large bodies (sendfile if resident, else the cache-bypassing strategy) and every body
// that goes by sendfile (a body fully resident now is sent without any further check; otherwise
// the mover checks window by window and has the engine fault pages in first, so sendfile never
// waits on the disk). copy and buffered need no measurement: preadv2(RWF_NOWAIT) tells a hit
// from a miss on each read. Nothing here waits on the disk: cachestat and fadvise(SEQUENTIAL)
// only look at or tune the page cache.
public sealed class TransferPlanner
{
    private readonly TransferPolicyOptions _policy;

    public TransferPlanner(TransferPolicyOptions policy)
    {
        _policy = policy;
    }

    public void Plan(ResponsePlan plan, bool isTls, bool canSendfile)
    {
        FileBody body = plan.FileBody ?? throw new InvalidOperationException("no file body to plan");
        plan.Decision = PlanBody(body, plan.ContentLength, isTls, canSendfile, out int syscalls);
        plan.PolicySyscalls += syscalls;
    }

    // Plans one body of contentLength bytes: a response's, or one member of an archive stream
    // (each member is planned on its own: a small hot file by sendfile, a large cold one around
    // the cache, as if it were downloaded alone). syscalls: what the decision itself cost.
    public TransferDecision PlanBody(FileBody body, long contentLength, bool isTls, bool canSendfile, out int syscalls)
    {
        long first = body.Segments[0].Offset;
        long length = body.Segments[^1].Offset + body.Segments[^1].Length - first;
        var probe = new CachestatProbe(body.File);
        TransferPlan planned = Decide(_policy, contentLength, first, length, isTls, canSendfile, ref probe);
        syscalls = probe.Calls;
        if (planned.AdviseSequential)
        {
            // A large body read through the page cache: ask for aggressive read-ahead (nginx read_ahead).
            syscalls++;
            FilePal.AdviseSequential(body.File, first, length);
        }

        body.Residency = planned.Residency;
        return planned.Decision;
    }

    // Pure apart from the probe: the decision for a body of contentLength whose file bytes span
    // [first, first+length).
    public static TransferPlan Decide<TProbe>(TransferPolicyOptions policy, long contentLength, long first, long length, bool isTls, bool canSendfile, ref TProbe probe)
        where TProbe : struct, IResidencyProbe
    {
        bool measured = TransferPolicy.NeedsResidency(policy, contentLength, isTls);
        double? resident = measured ? probe.Measure(first, length) : null;
        TransferDecision decision = TransferPolicy.Decide(policy, contentLength, isTls, resident);
        if (decision.Strategy == TransferStrategy.Sendfile && !canSendfile)
        {
            // The transport cannot carry sendfile: what sendfile would have sent goes by a path
            // that reads into buffers. Bodies below the direct threshold and cached large ones by
            // copy (page-cache hits read inline), cold or unmeasured large ones around the cache,
            // as auto sends them. The policy's reason stays: it says why that path was chosen.
            TransferStrategy instead = contentLength < policy.DirectThreshold || decision.Reason == DecisionReason.Resident
                ? TransferStrategy.Copy
                : policy.LargeStrategy;
            decision = decision with { Strategy = instead };
        }

        if (decision.Strategy != TransferStrategy.Sendfile)
        {
            return new TransferPlan(decision, BodyResidency.Unknown, AdviseSequential: false);
        }

        if (!measured)
        {
            resident = probe.Measure(first, length);
        }

        // Unmeasurable counts as partial: the mover then checks before each window.
        BodyResidency residency = resident is >= 1.0 ? BodyResidency.Complete : BodyResidency.Partial;
        return new TransferPlan(decision, residency, AdviseSequential: contentLength >= policy.DirectThreshold);
    }
}
