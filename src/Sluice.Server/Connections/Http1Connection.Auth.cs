using System.Net;
using Sluice.Core.Http;
using Sluice.Server.Auth;

namespace Sluice.Server.Connections;

public sealed partial class Http1Connection
{
    // Access control, when configured: true when the plan now holds the refusal (401 or 429) and
    // the file handler must not run. The decision is AuthGate's; this only asks and answers.
    private async ValueTask<bool> RefusedByAuthAsync(AuthGate gate)
    {
        // A write (upload) needs credentials even under a --public prefix.
        AuthResult result = await gate.AuthorizeAsync(_head, AuthClientAddress, ignorePublic: _server.Uploads?.IsWrite(_head) == true).ConfigureAwait(false);
        _authResult = result;
        if (!result.Refused)
        {
            return false;
        }

        AuthGate.Refuse(result, _plan, _head.Method == HttpMethod.Head);
        return true;
    }

    // The address failures are counted against. The peer's address for now; behind a trusted
    // proxy this must become the real client's (the proxy-protocol work adds that to the connection).
    // The client a trusted proxy names, else the peer (Http1Connection.Proxy.cs).
    private IPAddress? AuthClientAddress => ClientAddress;
}
