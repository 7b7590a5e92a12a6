namespace Sluice.Cli.Put;

// Where `sluice put FILE URL` puts FILE: the URL's origin and the target path on it. A URL that ends
// in "/" names a directory, and the file keeps its own name there (as curl -T does).
internal sealed record PutTarget(bool IsTls, string Host, int Port, string Path)
{
    // The tus endpoint on the main listener (the uploads contract): it shadows a served directory "-".
    public const string TusEndpoint = "/-/uploads/";

    public string Authority => Port == (IsTls ? 443 : 80) ? HostForHeader : $"{HostForHeader}:{Port}";

    public string Url => $"{(IsTls ? "https" : "http")}://{Authority}{Path}";

    // The target path relative to the served root, decoded: the tus `filename` metadata.
    public string RelativePath => Uri.UnescapeDataString(Path.TrimStart('/'));

    private string HostForHeader => Host.Contains(':', StringComparison.Ordinal) ? $"[{Host}]" : Host;

    public static bool TryParse(string url, string fileName, out PutTarget? target, out string error)
    {
        target = null;
        if (!Uri.TryCreate(url, UriKind.Absolute, out Uri? uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            error = $"URL must be an absolute http:// or https:// URL (got '{url}')";
            return false;
        }

        if (!string.IsNullOrEmpty(uri.UserInfo) || !string.IsNullOrEmpty(uri.Query) || !string.IsNullOrEmpty(uri.Fragment))
        {
            error = $"URL must not carry credentials, a query or a fragment; use -u USER[:PASS] for credentials (got '{url}')";
            return false;
        }

        string path = uri.AbsolutePath;
        if (path.EndsWith('/'))
        {
            path += Uri.EscapeDataString(fileName);
        }

        target = new PutTarget(uri.Scheme == Uri.UriSchemeHttps, uri.IdnHost, uri.Port, path);
        error = "";
        return true;
    }
}
