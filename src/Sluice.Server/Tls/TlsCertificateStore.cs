using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Sluice.Server.Tls;

// The server's certificate, loaded from PEM files and swapped atomically on reload.
//
// Design note: a handshake takes the context current when it starts (CreateOptions reads one
// volatile reference), so a reload never touches connections already established or in
// handshake: they keep the old certificate (the old objects are left to the GC, never disposed
// under a running handshake) while every later handshake gets the new one. A reload that fails
// (missing file, bad PEM, a key that does not match) keeps the old certificate.
//
// The PEM certificate file may hold the chain after the leaf: those certificates are sent with it
// (offline: no network fetch of missing intermediates at start).
public sealed class TlsCertificateStore
{
    private static readonly List<SslApplicationProtocol> s_alpn = [SslApplicationProtocol.Http11];

    private readonly string _certificatePath;
    private readonly string _keyPath;
    private volatile Loaded _current;

    private TlsCertificateStore(string certificatePath, string keyPath, Loaded current)
    {
        _certificatePath = certificatePath;
        _keyPath = keyPath;
        _current = current;
    }

    public X509Certificate2 Certificate => _current.Certificate;

    // Throws TlsCertificateException with a one-line reason.
    public static TlsCertificateStore Load(string certificatePath, string keyPath) =>
        new(certificatePath, keyPath, LoadFiles(certificatePath, keyPath));

    public bool TryReload(out string error)
    {
        try
        {
            _current = LoadFiles(_certificatePath, _keyPath);
            error = "";
            return true;
        }
        catch (TlsCertificateException ex)
        {
            error = ex.Message;
            return false;
        }
    }

    // One per handshake: SslStream keeps a reference to the options it was given.
    public SslServerAuthenticationOptions CreateOptions() => new()
    {
        ServerCertificateContext = _current.Context,
        EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
        ApplicationProtocols = s_alpn,
        ClientCertificateRequired = false,
        CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
        AllowRenegotiation = false,
    };

    private static Loaded LoadFiles(string certificatePath, string keyPath)
    {
        try
        {
            X509Certificate2 certificate = X509Certificate2.CreateFromPemFile(certificatePath, keyPath);
            if (!certificate.HasPrivateKey)
            {
                throw new TlsCertificateException($"--tls-key '{keyPath}' holds no private key for '{certificatePath}'");
            }

            var chain = new X509Certificate2Collection();
            chain.ImportFromPemFile(certificatePath);
            var intermediates = new X509Certificate2Collection();
            foreach (X509Certificate2 extra in chain)
            {
                if (extra.Thumbprint != certificate.Thumbprint)
                {
                    intermediates.Add(extra);
                }
            }

            var context = SslStreamCertificateContext.Create(certificate, intermediates, offline: true);
            return new Loaded(certificate, context);
        }
        catch (Exception ex) when (ex is CryptographicException or IOException or UnauthorizedAccessException or ArgumentException)
        {
            throw new TlsCertificateException($"cannot load the TLS certificate '{certificatePath}' with key '{keyPath}': {ex.Message}", ex);
        }
    }

    private sealed record Loaded(X509Certificate2 Certificate, SslStreamCertificateContext Context);
}
