using Sluice.Core.Http;
using Sluice.Server.Hosting;

namespace Sluice.Server.Connections;

// /-/health (HealthEndpoint): answered before access control and the handlers, from memory.
// Not written to the access log: a balancer checks every node every few hundred milliseconds and
// those lines would drown the requests (nginx configurations do the same with `access_log off`);
// the responses are still counted in /metrics.
public sealed partial class Http1Connection
{
    private static readonly byte[] s_healthOk = HealthEndpoint.OkBody.ToArray();
    private static readonly byte[] s_healthStopping = HealthEndpoint.StoppingBody.ToArray();

    private bool _isHealthCheck;

    private bool TryAnswerHealth()
    {
        _isHealthCheck = _head.Method is HttpMethod.Get or HttpMethod.Head && HealthEndpoint.Matches(_head.TargetBytes);
        if (!_isHealthCheck)
        {
            return false;
        }

        bool stopping = _server.IsStopping;
        _plan.SetInline(stopping ? 503 : 200, stopping ? s_healthStopping : s_healthOk, "text/plain; charset=utf-8");
        _plan.OmitBody = _head.Method == HttpMethod.Head;
        return true;
    }

    // Whether the response being logged answered /-/health; cleared, so a later rejection on
    // this connection (which never runs TryAnswerHealth) is logged.
    private bool TakeHealthCheck()
    {
        bool health = _isHealthCheck;
        _isHealthCheck = false;
        return health;
    }
}
