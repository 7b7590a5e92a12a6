namespace Sluice.Server.Tls;

// A certificate or key that cannot be used; the message is one line naming the files.
public sealed class TlsCertificateException : InvalidOperationException
{
    public TlsCertificateException(string message)
        : base(message)
    {
    }

    public TlsCertificateException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
