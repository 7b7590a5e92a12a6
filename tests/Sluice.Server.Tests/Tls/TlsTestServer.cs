using System.Security.Authentication;
using Sluice.Core.Policy;
using Sluice.Server.Configuration;
using Sluice.Server.Tests.Infrastructure;

namespace Sluice.Server.Tests.Tls;

// TestServer's tree and options, on TLS with a certificate made for the test.
internal sealed class TlsTestServer : IAsyncDisposable
{
    private TlsTestServer(TestCertificate certificate, TestServer server)
    {
        Certificate = certificate;
        Inner = server;
    }

    public TestCertificate Certificate { get; }

    public TestServer Inner { get; }

    public Hosting.SluiceServer Server => Inner.Server;

    public int Port => Inner.Port;

    public static TlsTestServer Start(StrategyOption strategy, Func<ServerOptions, ServerOptions>? configure = null)
    {
        TestCertificate certificate = TestCertificate.Create();
        try
        {
            TestServer server = TestServer.Start(strategy, o =>
            {
                o = o with { TlsCertificatePath = certificate.CertificatePath, TlsKeyPath = certificate.KeyPath };
                return configure is null ? o : configure(o);
            });
            return new TlsTestServer(certificate, server);
        }
        catch
        {
            certificate.Dispose();
            throw;
        }
    }

    public Task<TlsClient> ConnectAsync(SslProtocols protocols = SslProtocols.Tls13, int receiveBufferSize = 0) =>
        TlsClient.ConnectAsync(Port, protocols, receiveBufferSize, Certificate.Certificate);

    // One request on a fresh TLS connection that closes afterwards.
    public async Task<RawResponse> GetAsync(string target, string extraHeaders = "", SslProtocols protocols = SslProtocols.Tls13)
    {
        await using TlsClient client = await ConnectAsync(protocols);
        RawResponse response = await client.GetAsync(target, extraHeaders + "Connection: close\r\n");
        // The server counts and logs a response before it closes: after the close, the test sees it.
        Assert.Equal(0, await client.ReadToEndAsync());
        return response;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await Inner.DisposeAsync();
        }
        finally
        {
            Certificate.Dispose();
        }
    }
}
