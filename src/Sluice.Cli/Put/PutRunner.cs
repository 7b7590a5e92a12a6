using System.Globalization;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Microsoft.Win32.SafeHandles;
using Sluice.Cli.Http;
using Sluice.Core.Http;

namespace Sluice.Cli.Put;

internal sealed record PutSettings(
    string File,
    PutTarget Target,
    string? Authorization,
    X509Certificate2Collection? TrustedRoots,
    int Retries,
    TimeSpan IdleTimeout,
    bool? UseTus = null); // null: ask the server (OPTIONS); true/false: --protocol tus/put

// `sluice put FILE URL`, the whole run. Design note: the server is asked once whether it speaks tus
// 1.0.0 (OPTIONS /-/uploads/, the uploads contract); if so the file goes up resumably: created by
// POST (its upload URL kept in the sidecar FILE.sluice-put), then one PATCH from the offset the
// server reports (HEAD) to the end; a cut, a timeout or a 5xx is retried after a doubling backoff,
// and each retry asks HEAD again, so it sends only what the server does not have. Otherwise a single
// PUT with Content-Length (and Expect) is sent, and a retry sends it again whole. Refusals (4xx) are
// final: exit 1 with the server's status and the first line of its body.
internal sealed class PutRunner(PutSettings settings, ITransferProgress progress, TextWriter log, bool quiet)
{
    private static readonly TimeSpan s_firstBackoff = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan s_maxBackoff = TimeSpan.FromSeconds(8);

    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        bool? tus = settings.UseTus;
        for (int attempt = 0; ; attempt++)
        {
            try
            {
                tus ??= await ProbeTusAsync(cancellationToken).ConfigureAwait(false);
                long sent = tus.Value ? await TusUploadAsync(cancellationToken).ConfigureAwait(false) : await PlainPutAsync(cancellationToken).ConfigureAwait(false);
                if (!quiet)
                {
                    log.WriteLine($"sluice: uploaded {settings.File} to {settings.Target.Url} ({(tus.Value ? "tus" : "PUT")}, {sent} bytes sent)");
                }

                return 0;
            }
            catch (PutFailure failure)
            {
                log.WriteLine($"sluice: {failure.Message}");
                return 1;
            }
            catch (AuthenticationException e)
            {
                log.WriteLine($"sluice: TLS handshake with {settings.Target.Authority} failed: {e.Message}{(e.InnerException is null ? "" : " " + e.InnerException.Message)}");
                return 1;
            }
            catch (Exception e) when (IsTransient(e) && !cancellationToken.IsCancellationRequested)
            {
                if (attempt >= settings.Retries)
                {
                    log.WriteLine($"sluice: {Describe(e)}; giving up after {settings.Retries} retries");
                    return 1;
                }

                TimeSpan delay = Backoff(attempt);
                if (!quiet)
                {
                    log.WriteLine($"sluice: {Describe(e)}; retrying in {delay.TotalSeconds:0.##} s ({attempt + 1} of {settings.Retries})");
                }

                await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    internal static TimeSpan Backoff(int attempt) =>
        TimeSpan.FromTicks(Math.Min(s_maxBackoff.Ticks, s_firstBackoff.Ticks << Math.Min(attempt, 16)));

    private static bool IsTransient(Exception e) => e is IOException or SocketException or TimeoutException or PutRetryable or InvalidDataException;

    private static string Describe(Exception e) => e switch
    {
        SocketException s => $"cannot connect: {s.Message}",
        _ => e.Message,
    };

    private async Task<bool> ProbeTusAsync(CancellationToken cancellationToken)
    {
        PutExchange.Answer answer = await PutExchange.SendAsync(
            settings, "OPTIONS", PutTarget.TusEndpoint, [("Tus-Resumable", "1.0.0")], body: null, cancellationToken).ConfigureAwait(false);
        HttpResponseHead head = answer.Head;
        if (head.StatusCode == 401)
        {
            throw Refused(answer, settings.Authorization is null ? "the server wants credentials: use -u USER[:PASS]" : "the credentials were refused");
        }

        bool speaksTus = head.IsSuccess && head.Get("Tus-Resumable") == "1.0.0"
            && (head.Get("Tus-Version") ?? "1.0.0").Split(',').Any(v => v.Trim() == "1.0.0");
        if (speaksTus && HttpResponseHead.ParseNonNegative(head.Get("Tus-Max-Size")) is long max && new FileInfo(settings.File).Length > max)
        {
            throw new PutFailure($"the server accepts uploads of at most {max} bytes; {settings.File} has {new FileInfo(settings.File).Length}");
        }

        return speaksTus;
    }

    private async Task<long> PlainPutAsync(CancellationToken cancellationToken)
    {
        using SafeFileHandle file = File.OpenHandle(settings.File, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, FileOptions.Asynchronous);
        long length = RandomAccess.GetLength(file);
        progress.Begin(length);
        progress.Restart(0);
        PutExchange.Answer answer = await PutExchange.SendAsync(
            settings, "PUT", settings.Target.Path, [("Content-Type", "application/octet-stream")], new PutExchange.Body(file, 0, length, progress), cancellationToken).ConfigureAwait(false);
        ThrowUnlessSuccess(answer, "PUT");
        return length;
    }

    private async Task<long> TusUploadAsync(CancellationToken cancellationToken)
    {
        var info = new FileInfo(settings.File);
        using SafeFileHandle file = File.OpenHandle(settings.File, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, FileOptions.Asynchronous);
        long length = RandomAccess.GetLength(file);
        progress.Begin(length);

        string? upload = null;
        long offset = 0;
        PutState? state = PutState.Load(settings.File);
        if (state is not null && state.Matches(info, settings.Target.Url))
        {
            if (await OffsetAsync(state.UploadUrl, cancellationToken).ConfigureAwait(false) is long reported)
            {
                upload = state.UploadUrl;
                offset = reported;
            }
        }

        if (upload is null)
        {
            upload = await CreateAsync(length, cancellationToken).ConfigureAwait(false);
            PutState.For(info, settings.Target.Url, upload).Save(settings.File);
        }

        if (offset > length)
        {
            PutState.Delete(settings.File);
            throw new PutRetryable($"the server reports offset {offset} beyond the file's {length} bytes; starting over");
        }

        progress.Restart(offset);
        long sent = 0;

        // A 0-byte file still gets its (empty) PATCH: completion happens when a PATCH brings the
        // offset to the length, and the contract does not promise it at creation. An offset already
        // at the length (cut after the last byte, before the answer) means the server placed the file.
        for (bool first = true; offset < length || (length == 0 && first); first = false)
        {
            PutExchange.Answer answer = await PutExchange.SendAsync(
                settings,
                "PATCH",
                PathOf(upload),
                [("Tus-Resumable", "1.0.0"), ("Upload-Offset", offset.ToString(CultureInfo.InvariantCulture)), ("Content-Type", "application/offset+octet-stream")],
                new PutExchange.Body(file, offset, length - offset, progress),
                cancellationToken).ConfigureAwait(false);
            switch (answer.Head.StatusCode)
            {
                case 204 or 200 when answer.Head.UploadOffset is long next && next > offset && next <= length:
                    sent += next - offset;
                    offset = next;
                    break;
                case 204 or 200 when length == 0 && answer.Head.UploadOffset == 0:
                    break;
                case 409:
                    throw new PutRetryable("the server's offset differs from ours (409); asking it again");
                case 404 or 410:
                    PutState.Delete(settings.File);
                    throw new PutRetryable($"the server no longer knows the upload ({answer.Head}); starting over");
                default:
                    ThrowUnlessSuccess(answer, "PATCH");
                    throw new PutFailure($"PATCH answered {answer.Head} without a usable Upload-Offset");
            }
        }

        PutState.Delete(settings.File);
        return sent;
    }

    private async Task<string> CreateAsync(long length, CancellationToken cancellationToken)
    {
        string filename = Convert.ToBase64String(Encoding.UTF8.GetBytes(settings.Target.RelativePath));
        PutExchange.Answer answer = await PutExchange.SendAsync(
            settings,
            "POST",
            PutTarget.TusEndpoint,
            [("Tus-Resumable", "1.0.0"), ("Upload-Length", length.ToString(CultureInfo.InvariantCulture)), ("Upload-Metadata", $"filename {filename}"), ("Content-Length", "0")],
            body: null,
            cancellationToken).ConfigureAwait(false);
        ThrowUnlessSuccess(answer, "creating the upload");
        string location = answer.Head.Location ?? throw new PutFailure($"the server created the upload ({answer.Head}) without a Location");
        return new Uri(new Uri(settings.Target.Url), location).GetLeftPart(UriPartial.Path);
    }

    // The offset the server has for the upload, or null when it no longer knows it (expired, deleted).
    private async Task<long?> OffsetAsync(string upload, CancellationToken cancellationToken)
    {
        PutExchange.Answer answer = await PutExchange.SendAsync(
            settings, "HEAD", PathOf(upload), [("Tus-Resumable", "1.0.0")], body: null, cancellationToken).ConfigureAwait(false);
        if (answer.Head.StatusCode is 404 or 410)
        {
            return null;
        }

        ThrowUnlessSuccess(answer, "asking for the upload's offset");
        return answer.Head.UploadOffset ?? throw new PutFailure($"HEAD {upload} answered without Upload-Offset");
    }

    private string PathOf(string uploadUrl)
    {
        var uri = new Uri(uploadUrl);
        if (!uri.GetLeftPart(UriPartial.Authority).Equals(new Uri(settings.Target.Url).GetLeftPart(UriPartial.Authority), StringComparison.OrdinalIgnoreCase))
        {
            throw new PutFailure($"the upload URL {uploadUrl} is on another server than {settings.Target.Url}");
        }

        return uri.AbsolutePath;
    }

    private static void ThrowUnlessSuccess(PutExchange.Answer answer, string what)
    {
        HttpResponseHead head = answer.Head;
        if (head.IsSuccess)
        {
            return;
        }

        if (head.StatusCode is 502 or 503 or 504)
        {
            throw new PutRetryable($"{what}: the server answered {head}");
        }

        throw Refused(answer, $"{what}: the server answered {head}");
    }

    private static PutFailure Refused(PutExchange.Answer answer, string message)
    {
        string firstLine = answer.Text.Split('\n', 2)[0].Trim();
        return new PutFailure(firstLine.Length == 0 || message.Contains(firstLine, StringComparison.Ordinal) ? message : $"{message}: {firstLine}");
    }
}
