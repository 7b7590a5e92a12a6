namespace Sluice.Interop.Pal;

// What setsockopt(TCP_ULP, "tls") said on an established loopback TCP socket.
public enum KernelTlsStatus
{
    // The kernel attached the tls upper-layer protocol: kTLS could carry sendfile.
    Available,
    // ENOENT: the kernel has no tls ULP (CONFIG_TLS unset, or the module cannot be loaded).
    NotInKernel,
    // Any other refusal (EPERM under a sandbox, EOPNOTSUPP …).
    Refused,
    // The probe could not set up its throwaway connection.
    Unknown,
}
