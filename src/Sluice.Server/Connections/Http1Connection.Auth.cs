using System.Net;
using Sluice.Core.Http;
using Sluice.Server.Auth;

namespace Sluice.Server.Connections;

public sealed partial class Http1Connection
{
    // The verified user of the request being answered, for its access-log line (%u, "user").
    // Taken (and cleared) once per response, so a later request on the same connection that is
    // refused before it reaches the gate (400, 408) is never logged under the previous user.
    private string? _authUser;

    // Access control, then the file handler. The decision is AuthGate's; this only asks and
    // answers. A path the gate calls public is served under a constraint (ResponsePlan.PublicOnly):
    // the file the kernel resolves must be public too. When it is not (an in-root symlink from a
    // public into a protected directory), the request is decided again as a protected one: without
    // credentials the same 401 a protected path gets, with valid ones the file. The constraint
    // failure itself is no failed attempt, so it costs the address nothing in the rate limit.
    private async ValueTask HandleWithAuthAsync(AuthGate gate)
    {
        // A write (upload, tus) needs credentials even under a --public prefix.
        bool write = IsWriteRequest;
        AuthResult result = await gate.AuthorizeAsync(_head, AuthClientAddress, asProtected: write).ConfigureAwait(false);
        _authResult = result;
        if (result.Outcome == AuthOutcome.Public)
        {
            _plan.PublicOnly = gate.PublicPaths;
            if (await TryHandleUploadAsync().ConfigureAwait(false))
            {
                return; // OPTIONS or a method the upload handler refuses: no file is opened
            }

            await _server.Handler.HandleAsync(_head, _plan, DateTimeOffset.UtcNow).ConfigureAwait(false);
            if (!_plan.LeftPublic)
            {
                return;
            }

            // The handler released every descriptor it opened before setting LeftPublic.
            _plan.Reset();
            result = await gate.AuthorizeAsync(_head, AuthClientAddress, asProtected: true).ConfigureAwait(false);
            _authResult = result;
        }

        if (result.Refused)
        {
            AuthGate.Refuse(result, _plan, _head.Method == HttpMethod.Head);
            return;
        }

        _authUser = result.User;
        _plan.ListingCanWrite = _server.Uploads is not null; // authenticated: may write
        if (!await TryHandleUploadAsync().ConfigureAwait(false))
        {
            await _server.Handler.HandleAsync(_head, _plan, DateTimeOffset.UtcNow).ConfigureAwait(false);
        }
    }

    private string? TakeAuthUser()
    {
        string? user = _authUser;
        _authUser = null;
        return user;
    }

    // The address failures are counted against. The peer's address for now; behind a trusted
    // proxy this must become the real client's (the proxy-protocol work adds that to the connection).
    // The client a trusted proxy names, else the peer (Http1Connection.Proxy.cs).
    private IPAddress? AuthClientAddress => ClientAddress;
}
