using System.Buffers;
using System.Security.Authentication;
using System.Security.Cryptography;
using Microsoft.Win32.SafeHandles;
using Sluice.Cli.Http;
using Sluice.Core.Http;

namespace Sluice.Cli.Get;

// `sluice get URL`, the whole run. Design note: a resumable state (GetState) whose URL and chunk size
// match, beside a FILE.part of the recorded length, resumes: only the missing chunks are fetched,
// each with If-Range, and a 200 instead of a 206 means the file changed, so everything is discarded
// and the run starts over (at most twice). Otherwise the first chunk is asked for as a range: a 206
// tells the length (Content-Range), the validator and the digest, preallocates FILE.part and starts
// the parallel phase (GetTransfer); a 200 means no ranges, and the body is taken as one stream
// (not resumable: nothing to resume from). The result is verified (SHA-256 against Repr-Digest
// and/or --sha256) before FILE.part becomes FILE; a mismatch removes the bad bytes and the state.
// Exit codes: 0 saved (and verified where a digest was known), 1 failed, 2 usage, 3 verification failed.
internal sealed class GetRunner(GetSettings settings, ITransferProgress progress, TextWriter log, bool quiet)
{
    private const int MaxStartOvers = 2;
    private static readonly TimeSpan s_firstBackoff = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan s_maxBackoff = TimeSpan.FromSeconds(8);

    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        int startOvers = 0;
        for (int attempt = 0; ; attempt++)
        {
            try
            {
                await DownloadAsync(cancellationToken).ConfigureAwait(false);
                return 0;
            }
            catch (GetChanged changed) when (startOvers < MaxStartOvers)
            {
                startOvers++;
                log.WriteLine($"sluice: {changed.Message}; discarding the partial download and starting over");
                Discard();
            }
            catch (GetChanged changed)
            {
                log.WriteLine($"sluice: {changed.Message}; it changed {MaxStartOvers + 1} times during the download, giving up");
                Discard();
                return GetFailure.Failed;
            }
            catch (GetFailure failure)
            {
                log.WriteLine($"sluice: {failure.Message}");
                return failure.ExitCode;
            }
            catch (AuthenticationException e)
            {
                log.WriteLine($"sluice: TLS handshake with {settings.Target.Authority} failed: {e.Message}{(e.InnerException is null ? "" : " " + e.InnerException.Message)}");
                return GetFailure.Failed;
            }
            catch (Exception e) when (e is UnauthorizedAccessException or DirectoryNotFoundException or FileNotFoundException or PathTooLongException)
            {
                log.WriteLine($"sluice: cannot write {settings.PartFile}: {e.Message}");
                return GetFailure.Failed;
            }
            catch (Exception e) when (GetTransfer.IsTransient(e) && !cancellationToken.IsCancellationRequested)
            {
                // The first request or the single stream was cut (chunks retry on their own).
                if (attempt >= settings.Retries)
                {
                    log.WriteLine($"sluice: {GetTransfer.Describe(e)}; giving up after {settings.Retries} retries");
                    return GetFailure.Failed;
                }

                TimeSpan delay = Backoff(attempt);
                if (!quiet)
                {
                    log.WriteLine($"sluice: {GetTransfer.Describe(e)}; retrying in {delay.TotalSeconds:0.##} s ({attempt + 1} of {settings.Retries})");
                }

                await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    internal static TimeSpan Backoff(int attempt) =>
        TimeSpan.FromTicks(Math.Min(s_maxBackoff.Ticks, s_firstBackoff.Ticks << Math.Min(attempt, 16)));

    internal static void ThrowUnlessSuccess(HttpResponseHead head)
    {
        if (head.IsSuccess)
        {
            return;
        }

        if (head.StatusCode is >= 500 and < 600)
        {
            throw new GetRetryable($"the server answered {head}");
        }

        throw new GetFailure(head.StatusCode == 401 ? $"the server answered {head}: it wants credentials (-u USER[:PASS]), or refused the ones given" : $"the server answered {head}");
    }

    private async Task DownloadAsync(CancellationToken cancellationToken)
    {
        GetState? state = GetState.Load(settings.Output);
        if (state is not null && state.Matches(settings.Target.Url, settings.ChunkSize) && File.Exists(settings.PartFile)
            && new FileInfo(settings.PartFile).Length == state.Length)
        {
            if (!quiet)
            {
                log.WriteLine($"sluice: resuming {settings.PartFile}: {state.Done.Count} chunks of {state.ChunkSize} bytes are on disk");
            }

            using SafeFileHandle file = File.OpenHandle(settings.PartFile, FileMode.Open, FileAccess.ReadWrite);
            await TransferAsync(file, state, first: null, cancellationToken).ConfigureAwait(false);
            return;
        }

        Discard();
        ClientConnection? connection = await ClientConnection.OpenAsync(settings.Target, settings.TrustedRoots, settings.IdleTimeout, cancellationToken).ConfigureAwait(false);
        try
        {
            HttpResponseHead head = await GetExchange.SendAsync(connection, settings, 0, settings.ChunkSize - 1, ifRange: null, cancellationToken).ConfigureAwait(false);
            if (head.StatusCode == 416 && head.ContentRange == "bytes */0")
            {
                // An empty file has no byte to range over (RFC 9110 §14.1.1): nothing to fetch.
                using (File.OpenHandle(settings.PartFile, FileMode.Create, FileAccess.Write))
                {
                }

                Finish(ReprDigest.Sha256(head.Get(ReprDigest.FieldName)), chunks: false);
                return;
            }

            ThrowUnlessSuccess(head);
            if (head.StatusCode == 206 && GetExchange.IsFramedByLength(head) && ContentRange.TryParse(head.ContentRange, out ContentRange range)
                && range.First == 0 && range.CompleteLength is long length && head.ContentLength == range.Length
                && range.Length == Math.Min(length, settings.ChunkSize))
            {
                state = new GetState(settings.Target.Url, length, GetExchange.ValidatorOf(head), settings.ChunkSize, head.Get(ReprDigest.FieldName), []);
                using SafeFileHandle file = File.OpenHandle(settings.PartFile, FileMode.Create, FileAccess.ReadWrite, FileShare.Read, FileOptions.None, preallocationSize: length);
                RandomAccess.SetLength(file, length);
                progress.Begin(length);
                await connection.ReadBodyToFileAsync(head, file, 0, n => progress.Advance(n), cancellationToken).ConfigureAwait(false);
                state.Done.Add(0);
                ClientConnection? keep = head.KeepAlive ? connection : null;
                if (keep is null)
                {
                    await connection.DisposeAsync().ConfigureAwait(false);
                }

                connection = null;
                await TransferAsync(file, state, keep, cancellationToken).ConfigureAwait(false);
                return;
            }

            if (head.StatusCode != 200)
            {
                throw new GetFailure($"asked for bytes 0-{settings.ChunkSize - 1}, the server answered {head} with Content-Range '{head.ContentRange}'");
            }

            // No ranges (or no length): one stream, written as it comes.
            using (SafeFileHandle file = File.OpenHandle(settings.PartFile, FileMode.Create, FileAccess.ReadWrite, FileShare.Read, FileOptions.None, preallocationSize: head.ContentLength ?? 0))
            {
                progress.Begin(head.ContentLength ?? 0);
                long received = await connection.ReadBodyToFileAsync(head, file, 0, n => progress.Advance(n), cancellationToken).ConfigureAwait(false);
                RandomAccess.SetLength(file, received);
            }

            if (!quiet)
            {
                log.WriteLine("sluice: the server does not serve ranges; downloaded as one stream");
            }

            Finish(ReprDigest.Sha256(head.Get(ReprDigest.FieldName)), chunks: false);
        }
        finally
        {
            if (connection is not null)
            {
                await connection.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private async Task TransferAsync(SafeFileHandle file, GetState state, ClientConnection? first, CancellationToken cancellationToken)
    {
        progress.Begin(state.Length);
        long doneBytes = state.Done.Sum(i => Math.Min(state.ChunkSize, state.Length - (i * state.ChunkSize)));
        progress.Restart(doneBytes);
        var transfer = new GetTransfer(settings, file, state, progress, log, quiet);
        if (state.Validator is null && !quiet)
        {
            log.WriteLine("sluice: the server sends neither a strong ETag nor Last-Modified: this download cannot be resumed");
        }

        try
        {
            if (state.Validator is not null)
            {
                await transfer.CheckpointAsync().ConfigureAwait(false); // a kill from now on resumes
            }

            await transfer.RunAsync(first, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            if (state.Validator is null)
            {
                GetState.Delete(settings.Output); // nothing to resume against
            }
        }

        file.Dispose();
        Finish(ReprDigest.Sha256(transfer.ReprDigestField), chunks: true);
    }

    // Verifies FILE.part against what is known of its digest, then renames it to FILE.
    private void Finish(byte[]? reprDigest, bool chunks)
    {
        string verified = "not verified: the server sent no Repr-Digest and --sha256 was not given";
        if (reprDigest is not null || settings.ExpectedSha256 is not null)
        {
            byte[] actual = Sha256Of(settings.PartFile);
            if (reprDigest is not null && !actual.AsSpan().SequenceEqual(reprDigest))
            {
                Discard();
                throw new GetFailure($"the downloaded bytes' SHA-256 {Convert.ToHexStringLower(actual)} differs from the server's Repr-Digest {Convert.ToHexStringLower(reprDigest)}; removed them", GetFailure.VerificationFailed);
            }

            if (settings.ExpectedSha256 is not null && !actual.AsSpan().SequenceEqual(settings.ExpectedSha256))
            {
                Discard();
                throw new GetFailure($"the downloaded bytes' SHA-256 {Convert.ToHexStringLower(actual)} differs from --sha256 {Convert.ToHexStringLower(settings.ExpectedSha256)}; removed them", GetFailure.VerificationFailed);
            }

            verified = "verified SHA-256 against " + (reprDigest is not null && settings.ExpectedSha256 is not null ? "Repr-Digest and --sha256" : reprDigest is not null ? "Repr-Digest" : "--sha256");
        }

        File.Move(settings.PartFile, settings.Output, overwrite: true);
        GetState.Delete(settings.Output);
        if (!quiet)
        {
            log.WriteLine($"sluice: saved {settings.Output} ({new FileInfo(settings.Output).Length} bytes{(chunks ? $", {settings.Connections} connections" : ", one stream")}; {verified})");
        }
    }

    private void Discard()
    {
        File.Delete(settings.PartFile);
        GetState.Delete(settings.Output);
    }

    private static byte[] Sha256Of(string path)
    {
        using SafeFileHandle file = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.SequentialScan);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        byte[] buffer = ArrayPool<byte>.Shared.Rent(1024 * 1024);
        try
        {
            long offset = 0;
            int read;
            while ((read = RandomAccess.Read(file, buffer, offset)) > 0)
            {
                hash.AppendData(buffer, 0, read);
                offset += read;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        return hash.GetHashAndReset();
    }
}
