using System.Net.Sockets;
using Sluice.Core.Policy;
using Sluice.Server.Archive;
using Sluice.Server.Transfer;

namespace Sluice.Server.Connections;

public sealed partial class Http1Connection
{
    // Sends a folder archive: the head, then each member as its own file body (header bytes as the
    // preamble, the file by the mechanism the planner picks for that member), then the end of the
    // archive. The walk runs on the disk engine (TarStream.NextAsync); this thread only sends.
    // A member that changed while it was sent, or any failure, resets the connection: the body
    // then lacks its last chunk (HTTP/1.1), and an HTTP/1.0 client sees a reset, not an end of
    // body that would look complete.
    private async ValueTask<TransferOutcome> SendArchiveAsync(TarStream archive, bool keepAlive)
    {
        try
        {
            ReadOnlyMemory<byte> head = _headBuffer.AsMemory(0, _responseHeadBytes = WriteHead(keepAlive));
            TransferOutcome outcome = await _transport.SendAsync(head, more: !_plan.OmitBody, _tally).ConfigureAwait(false);
            bool begun = false;
            while (outcome == TransferOutcome.Completed && !_plan.OmitBody)
            {
                ArchiveStep step;
                try
                {
                    step = await archive.NextAsync().ConfigureAwait(false);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    // The walk cannot go on (a tree deeper than the walk, a directory that cannot
                    // be read): the archive ends as a failed transfer — reset below, and logged
                    // like any other (an exception would skip the access log).
                    outcome = TransferOutcome.Failed;
                    break;
                }

                if (step != ArchiveStep.File)
                {
                    outcome = await _transport.SendAsync(archive.Pending, more: step == ArchiveStep.Flush, _tally).ConfigureAwait(false);
                    archive.Sent();
                    if (step == ArchiveStep.End)
                    {
                        break;
                    }

                    continue;
                }

                FileBody body = archive.Body;
                TransferDecision decision = _server.Planner.PlanBody(body, body.Length, _transport.IsTls, _transport.CanSendfile, out int policyCalls);
                _tally.Count(Transfer.SyscallKind.Policy, policyCalls);
                _server.Metrics.CountDecision(decision);
                ITransferMechanism mechanism = _server.Mechanism(decision.Strategy);
                if (!begun)
                {
                    begun = true;
                    _plan.Decision = decision;
                    _tally.Begin(mechanism.Strategy);
                }
                else if (_tally.SliceStrategy(_tally.SliceCount - 1) != mechanism.Strategy)
                {
                    // Members go by different strategies; the log names each that moved bytes.
                    _tally.SwitchTo(mechanism.Strategy, TransferFallback.None);
                }

                outcome = await mechanism.SendAsync(_transport, ReadOnlyMemory<byte>.Empty, body, _tally).ConfigureAwait(false);
                archive.Sent();
                if (outcome == TransferOutcome.Completed && !archive.FinishFile())
                {
                    _server.Log.Warn($"{_head.Target}: {archive.MemberName} changed while being archived; connection to {_remote} aborted");
                    outcome = TransferOutcome.Failed;
                }
            }

            if (outcome == TransferOutcome.Completed)
            {
                outcome = await _transport.FlushAsync(_tally).ConfigureAwait(false);
            }
            else
            {
                // Reset rather than close: unsent bytes are dropped and the client cannot take
                // the end of the connection for the end of the body.
                ResetOnClose();
            }

            if (begun)
            {
                _server.Metrics.Publish(_tally);
            }
            else
            {
                _server.Metrics.Inline.Publish(_tally);
            }

            return outcome;
        }
        catch
        {
            ResetOnClose();
            throw;
        }
        finally
        {
            archive.Dispose();
        }
    }

    private void ResetOnClose()
    {
        try
        {
            _socket.LingerState = new LingerOption(true, 0);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
        }
    }
}
