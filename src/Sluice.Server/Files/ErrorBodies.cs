using System.Collections.Frozen;
using System.Text;

namespace Sluice.Server.Files;

// Short plain-text bodies for error statuses, built once.
public static class ErrorBodies
{
    public const string ContentType = "text/plain; charset=utf-8";

    private static readonly FrozenDictionary<int, byte[]> s_bodies = new Dictionary<int, byte[]>
    {
        [301] = Encoding.UTF8.GetBytes("301 Moved Permanently\n"),
        [400] = Encoding.UTF8.GetBytes("400 Bad Request\n"),
        [403] = Encoding.UTF8.GetBytes("403 Forbidden\n"),
        [404] = Encoding.UTF8.GetBytes("404 Not Found\n"),
        [405] = Encoding.UTF8.GetBytes("405 Method Not Allowed\n"),
        [408] = Encoding.UTF8.GetBytes("408 Request Timeout\n"),
        [412] = Encoding.UTF8.GetBytes("412 Precondition Failed\n"),
        [413] = Encoding.UTF8.GetBytes("413 Content Too Large\n"),
        [414] = Encoding.UTF8.GetBytes("414 URI Too Long\n"),
        [416] = Encoding.UTF8.GetBytes("416 Range Not Satisfiable\n"),
        [431] = Encoding.UTF8.GetBytes("431 Request Header Fields Too Large\n"),
        [500] = Encoding.UTF8.GetBytes("500 Internal Server Error\n"),
        [501] = Encoding.UTF8.GetBytes("501 Not Implemented\n"),
        [503] = Encoding.UTF8.GetBytes("503 Service Unavailable\n"),
        [505] = Encoding.UTF8.GetBytes("505 HTTP Version Not Supported\n"),
    }.ToFrozenDictionary();

    public static byte[] For(int status) => s_bodies[status];

}
