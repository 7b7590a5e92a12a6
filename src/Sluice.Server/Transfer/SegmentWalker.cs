using Sluice.Server.Connections.Transport;

namespace Sluice.Server.Transfer;

// The frame every file mechanism shares: the head, then for each segment its preamble (a
// multipart part header) and its file bytes, then the epilogue. Only "move one segment's bytes"
// differs between mechanisms; it is told whether more bytes follow it (moreAfter), so it knows
// whether its last write may still carry MSG_MORE.
internal static class SegmentWalker
{
    public static async ValueTask<TransferOutcome> SendAsync<TState>(
        ConnectionTransport transport,
        ReadOnlyMemory<byte> head,
        FileBody body,
        TransferTally tally,
        TState state,
        Func<TState, FileSegment, bool, ValueTask<TransferOutcome>> sendSegment)
    {
        TransferOutcome outcome = await transport.SendAsync(head, more: true, tally).ConfigureAwait(false);
        for (int i = 0; i < body.Segments.Count && outcome == TransferOutcome.Completed; i++)
        {
            FileSegment segment = body.Segments[i];
            if (!segment.Preamble.IsEmpty)
            {
                outcome = await transport.SendAsync(segment.Preamble, more: true, tally).ConfigureAwait(false);
                if (outcome != TransferOutcome.Completed)
                {
                    break;
                }
            }

            bool moreAfter = i < body.Segments.Count - 1 || !body.Epilogue.IsEmpty;
            outcome = await sendSegment(state, segment, moreAfter).ConfigureAwait(false);
        }

        if (outcome == TransferOutcome.Completed && !body.Epilogue.IsEmpty)
        {
            outcome = await transport.SendAsync(body.Epilogue, more: false, tally).ConfigureAwait(false);
        }

        return outcome;
    }
}
