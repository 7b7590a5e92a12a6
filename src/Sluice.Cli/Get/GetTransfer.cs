using System.Diagnostics;
using System.Net.Sockets;
using Microsoft.Win32.SafeHandles;
using Sluice.Cli.Http;
using Sluice.Core.Http;
using Sluice.Interop.Pal;

namespace Sluice.Cli.Get;

// The parallel phase of `sluice get`: the chunks not yet on disk, fetched by up to --connections
// workers, each on its own kept-alive connection, each taking the next missing chunk from one shared
// counter (so a slow connection simply takes fewer chunks), writing it positionally into FILE.part.
// A chunk is retried on its own (a cut, a timeout, a 5xx) with a doubling backoff on a new
// connection; when one chunk uses up its retries the whole phase stops, the others are cancelled,
// and the chunks done so far are checkpointed for the next run.
// Checkpoint invariant (see GetState): fsync FILE.part first, then record the chunks that were
// complete before the fsync. Checkpoints happen at most once a second while running and once at
// the end of a failed run, so a fast download is not throttled by a flush per chunk.
internal sealed class GetTransfer(GetSettings settings, SafeFileHandle file, GetState state, ITransferProgress progress, TextWriter log, bool quiet)
{
    private static readonly TimeSpan s_checkpointEvery = TimeSpan.FromSeconds(1);

    private readonly Lock _lock = new();
    private readonly SemaphoreSlim _checkpointGate = new(1, 1);
    private readonly Stopwatch _sinceCheckpoint = Stopwatch.StartNew();
    private int[] _missing = [];
    private int _next = -1;

    public int ChunkCount => (int)((state.Length + state.ChunkSize - 1) / state.ChunkSize);

    public string? ReprDigestField { get; private set; } = state.ReprDigest;

    public async Task RunAsync(ClientConnection? first, CancellationToken cancellationToken)
    {
        HashSet<int> done = [.. state.Done];
        _missing = [.. Enumerable.Range(0, ChunkCount).Where(i => !done.Contains(i))];
        if (_missing.Length == 0)
        {
            if (first is not null)
            {
                await first.DisposeAsync().ConfigureAwait(false);
            }

            return;
        }

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        int workers = Math.Min(settings.Connections, _missing.Length);
        var tasks = new Task[workers];
        for (int w = 0; w < workers; w++)
        {
            tasks[w] = WorkAsync(w == 0 ? first : null, stop);
        }

        try
        {
            await Task.WhenAll(tasks).ConfigureAwait(false);
        }
        catch
        {
            await stop.CancelAsync().ConfigureAwait(false);
            await Task.WhenAll(tasks.Select(t => t.ContinueWith(_ => { }, TaskScheduler.Default))).ConfigureAwait(false);
            await CheckpointAsync().ConfigureAwait(false);

            // The first failure that is not a cancellation caused by another worker's failure.
            Exception? cause = tasks.Select(t => t.Exception?.InnerException).FirstOrDefault(e => e is not null and not OperationCanceledException);
            if (cause is not null)
            {
                throw cause;
            }

            throw;
        }
    }

    // Every chunk already recorded, or none: Done is rewritten whole by each checkpoint.
    public async Task CheckpointAsync()
    {
        await _checkpointGate.WaitAsync().ConfigureAwait(false);
        try
        {
            List<int> snapshot;
            lock (_lock)
            {
                snapshot = [.. state.Done];
            }

            if (FilePal.Fsync(file) != FileWriteStatus.Done)
            {
                return; // nothing recorded that is not known to be on disk
            }

            (state with { Done = snapshot, ReprDigest = ReprDigestField }).Save(settings.Output);
            _sinceCheckpoint.Restart();
        }
        finally
        {
            _checkpointGate.Release();
        }
    }

    private async Task WorkAsync(ClientConnection? connection, CancellationTokenSource stop)
    {
        try
        {
            while (!stop.IsCancellationRequested)
            {
                int slot = Interlocked.Increment(ref _next);
                if (slot >= _missing.Length)
                {
                    return;
                }

                connection = await FetchWithRetriesAsync(_missing[slot], connection, stop.Token).ConfigureAwait(false);
                if (_sinceCheckpoint.Elapsed >= s_checkpointEvery)
                {
                    await CheckpointAsync().ConfigureAwait(false);
                }
            }
        }
        catch
        {
            await stop.CancelAsync().ConfigureAwait(false);
            throw;
        }
        finally
        {
            if (connection is not null)
            {
                await connection.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private async Task<ClientConnection?> FetchWithRetriesAsync(int index, ClientConnection? connection, CancellationToken cancellationToken)
    {
        long first = index * state.ChunkSize;
        long last = Math.Min(state.Length, first + state.ChunkSize) - 1;
        for (int attempt = 0; ; attempt++)
        {
            long written = 0;
            try
            {
                connection ??= await ClientConnection.OpenAsync(settings.Target, settings.TrustedRoots, settings.IdleTimeout, cancellationToken).ConfigureAwait(false);
                HttpResponseHead head = await GetExchange.SendAsync(connection, settings, first, last, state.Validator, cancellationToken).ConfigureAwait(false);
                CheckAnswer(head, first, last);
                long body = await connection.ReadBodyToFileAsync(head, file, first, n =>
                {
                    written += n;
                    progress.Advance(n);
                }, cancellationToken).ConfigureAwait(false);
                Debug.Assert(body == last - first + 1, "CheckAnswer saw a Content-Length of the chunk's size");
                lock (_lock)
                {
                    state.Done.Add(index);
                }

                if (!head.KeepAlive)
                {
                    await connection.DisposeAsync().ConfigureAwait(false);
                    connection = null;
                }

                return connection;
            }
            catch (Exception e) when (IsTransient(e) && !cancellationToken.IsCancellationRequested)
            {
                progress.Advance(-written);
                if (connection is not null)
                {
                    await connection.DisposeAsync().ConfigureAwait(false);
                    connection = null;
                }

                if (attempt >= settings.Retries)
                {
                    throw new GetFailure($"bytes {first}-{last}: {Describe(e)}; giving up after {settings.Retries} retries");
                }

                TimeSpan delay = GetRunner.Backoff(attempt);
                if (!quiet)
                {
                    log.WriteLine($"sluice: bytes {first}-{last}: {Describe(e)}; retrying in {delay.TotalSeconds:0.##} s ({attempt + 1} of {settings.Retries})");
                }

                await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                progress.Advance(-written);
                throw;
            }
        }
    }

    private void CheckAnswer(HttpResponseHead head, long first, long last)
    {
        if (head.StatusCode == 200)
        {
            throw new GetChanged($"{settings.Target.Url} changed on the server (it answered the If-Range request with the whole file)");
        }

        GetRunner.ThrowUnlessSuccess(head);
        if (head.StatusCode != 206 || !GetExchange.IsFramedByLength(head) || !ContentRange.TryParse(head.ContentRange, out ContentRange range)
            || range.First != first || range.Last != last || head.ContentLength != range.Length)
        {
            throw new GetFailure($"asked for bytes {first}-{last}, the server answered {head} with Content-Range '{head.ContentRange}' and Content-Length {head.ContentLength}");
        }

        if (range.CompleteLength is long length && length != state.Length)
        {
            throw new GetChanged($"{settings.Target.Url} is now {length} bytes long, not {state.Length}");
        }

        if (head.Get(ReprDigest.FieldName) is string digest)
        {
            lock (_lock)
            {
                if (ReprDigestField is not null && ReprDigest.Sha256(ReprDigestField) is byte[] known
                    && ReprDigest.Sha256(digest) is byte[] now && !known.AsSpan().SequenceEqual(now))
                {
                    throw new GetChanged($"{settings.Target.Url} changed on the server (another Repr-Digest)");
                }

                ReprDigestField ??= digest;
            }
        }
    }

    // Local file errors (a missing directory, a full disk is not among them) are not worth a retry.
    internal static bool IsTransient(Exception e) =>
        e is (IOException and not (DirectoryNotFoundException or FileNotFoundException or PathTooLongException))
            or SocketException or TimeoutException or GetRetryable or InvalidDataException;

    internal static string Describe(Exception e) => e switch
    {
        SocketException s => $"cannot connect: {s.Message}",
        _ => e.Message,
    };
}
