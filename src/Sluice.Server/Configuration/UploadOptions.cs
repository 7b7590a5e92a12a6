using System.Net;

namespace Sluice.Server.Configuration;

// --upload and its limits (README "Uploads"). Null in ServerOptions when uploads are off.
public sealed record UploadOptions
{
    // --max-upload-size: a PUT whose Content-Length exceeds it gets 413 before its body is read.
    public long MaxUploadSize { get; init; } = 8L * 1024 * 1024 * 1024;

    // --upload-reserve: an upload is refused (507) when writing it would leave less than this free
    // on the file system (f_bavail), so uploads cannot fill the disk the server and its logs need.
    public long Reserve { get; init; } = 64L * 1024 * 1024;

    // --upload-mode: permission bits of created files, before the process umask (as open(2) does).
    public int FileMode { get; init; } = Convert.ToInt32("644", 8);

    // Created directories (MKCOL): rwx where the file mode has r, before the umask.
    public int DirectoryMode => FileMode | ((FileMode & 0x124) >> 2);

    // The longest a request body may go without a byte arriving.
    public TimeSpan BodyTimeout { get; init; } = TimeSpan.FromSeconds(30);

    // Kestrel's MinRequestBodyDataRate: 240 B/s after a 5 s grace; 0 turns it off.
    public long MinReceiveRate { get; init; } = 240;

    public TimeSpan MinReceiveRateGrace { get; init; } = TimeSpan.FromSeconds(5);

    // Uploads without credentials are allowed only where nobody but this machine can connect:
    // every listener on loopback and no trusted proxy (which would forward anyone's request).
    public void Validate(string host, bool hasAuth, IReadOnlyList<string> trustedProxies, List<string> errors)
    {
        if (MaxUploadSize < 1 || Reserve < 0)
        {
            errors.Add("--max-upload-size must be positive and --upload-reserve must not be negative");
        }

        if (FileMode is < 0 or > 0x1FF)
        {
            errors.Add("--upload-mode takes octal permission bits such as 644 or 600");
        }

        if (BodyTimeout <= TimeSpan.Zero || MinReceiveRate < 0 || MinReceiveRateGrace < TimeSpan.Zero)
        {
            errors.Add("--body-timeout must be positive and --min-receive-rate must not be negative");
        }

        if (hasAuth)
        {
            return;
        }

        bool loopback = host == "localhost" || (Hosting.ListenAddress.TryParse(host, out IPAddress address) && IPAddress.IsLoopback(address));
        if (!loopback || trustedProxies.Count > 0)
        {
            errors.Add(trustedProxies.Count > 0
                ? "refusing --upload without --auth/--auth-file behind --trusted-proxy: anyone the proxy forwards could write files"
                : $"refusing --upload without --auth/--auth-file on {host}: anyone who can reach it could write files; add --auth or listen on 127.0.0.1");
        }
    }
}
