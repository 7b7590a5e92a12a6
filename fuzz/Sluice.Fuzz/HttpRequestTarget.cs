using Sluice.Core.Http;
using Sluice.Core.Oracles.Http;

namespace Sluice.Fuzz;

// The input is the bytes a client sent. HttpRequestParser must give ReferenceParser's verdict,
// consume exactly the head, report the same start line and fields, and say why it refused.
internal sealed class HttpRequestTarget : FuzzTarget
{
    public override string Name => "http";

    public override void Check(byte[] input)
    {
        var handler = new RecordingHandler();
        ParseStatus status = HttpRequestParser.TryParse(input, ref handler, out int consumed, out RequestRejectionReason reason);
        (ParseStatus expected, List<string> events, int expectedConsumed) = ReferenceParser.Parse(input);

        Agree(expected, status, "status", input);
        Agree(expectedConsumed, consumed, "consumed", input);
        Agree(status == ParseStatus.Invalid, reason != RequestRejectionReason.None, $"rejection reason {reason} given", input);
        switch (status)
        {
            case ParseStatus.Complete:
                AgreeSequence(events, handler.Events, "events", input);
                break;
            case ParseStatus.Incomplete:
                // Until the head is complete the parser reports nothing, so a retry cannot see a line twice.
                AgreeSequence([], handler.Events, "events before the head is complete", input);
                break;
        }
    }
}
