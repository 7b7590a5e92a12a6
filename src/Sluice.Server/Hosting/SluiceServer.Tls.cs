using Sluice.Interop.Pal;

namespace Sluice.Server.Hosting;

// Kernel TLS is probed once at start and only reported: there is no kTLS path (see README, "TLS").
// How it would plug in, where the kernel has CONFIG_TLS: after SslStream's handshake, the
// session's traffic keys go to setsockopt(SOL_TLS, TLS_TX, struct tls12_crypto_info_aes_gcm_128)
// on the socket; from then on the kernel encrypts, so SocketTransport (send, sendfile) carries
// the connection again and the planner's isTls becomes false for the body path. .NET does not
// expose the keys, so that needs OpenSSL directly (SSL_OP_ENABLE_KTLS, then SSL_sendfile, which
// does the same setsockopt itself) — a native TLS transport beside StreamTransport. TLS 1.3 key
// updates and alerts then arrive as control messages (TLS_GET_RECORD_TYPE), which that transport
// must handle; a kernel refusing TLS_TX for the negotiated cipher leaves the stream path in place.
public sealed partial class SluiceServer
{
    // Probed at start when TLS is on; null otherwise.
    public KernelTlsStatus? KernelTls { get; private set; }

    private void LogTlsStart()
    {
        KernelTlsStatus ktls = KernelTlsPal.Probe();
        KernelTls = ktls;
        Log.Info($"tls: certificate {Tls!.Certificate.Subject}, expires {Tls.Certificate.NotAfter:yyyy-MM-dd}, sha1 {Tls.Certificate.Thumbprint}; TLS 1.2/1.3, ALPN http/1.1");
        Log.Info(ktls switch
        {
            KernelTlsStatus.Available => "tls: kernel TLS is available (TCP_ULP tls), but not used: bodies are encrypted by SslStream and sent by the read paths",
            KernelTlsStatus.NotInKernel => "tls: kernel TLS is not available (TCP_ULP tls: ENOENT, CONFIG_TLS unset): bodies are encrypted by SslStream and sent by the read paths",
            _ => $"tls: kernel TLS could not be probed ({ktls.ToString().ToLowerInvariant()}): bodies are encrypted by SslStream and sent by the read paths",
        });
    }
}
