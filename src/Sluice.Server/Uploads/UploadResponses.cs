using System.Collections.Frozen;
using System.Text;
using Sluice.Interop.Pal;
using Sluice.Server.Files;
using Sluice.Server.Receive;

namespace Sluice.Server.Uploads;

// Statuses and short bodies of the upload methods, and the one place where a write failure maps
// to a status (as OpenErrorMapping does for reads).
public static class UploadResponses
{
    private static readonly FrozenDictionary<int, byte[]> s_bodies = new Dictionary<int, byte[]>
    {
        [201] = Encoding.UTF8.GetBytes("201 Created\n"),
        [409] = Encoding.UTF8.GetBytes("409 Conflict\n"),
        [507] = Encoding.UTF8.GetBytes("507 Insufficient Storage\n"),
    }.ToFrozenDictionary();

    // Content-Security-Policy for uploaded active content (HTML, XML, SVG, XHTML) when uploads are on:
    // a page someone uploaded runs in a unique origin, so it cannot act as the listing's user.
    private static readonly byte[] s_sandbox = "sandbox"u8.ToArray();

    public static void Set(ResponsePlan plan, int status)
    {
        if (status == 204)
        {
            plan.SetInline(204, ReadOnlyMemory<byte>.Empty, ErrorBodies.ContentType);
            plan.ContentType = null;
            return;
        }

        plan.SetInline(status, s_bodies.TryGetValue(status, out byte[]? body) ? body : ErrorBodies.For(status), ErrorBodies.ContentType);
    }

    public static void Sandbox(ResponsePlan plan)
    {
        if (plan.ContentSecurityPolicy is null && plan.ContentType is { } type && IsScriptable(type))
        {
            plan.ContentSecurityPolicy = s_sandbox;
        }
    }

    // Documents a browser renders with script: HTML, and every XML type (text/xml, application/xml,
    // any +xml such as SVG, XHTML, Atom), because an XML document runs the script of elements in
    // the XHTML namespace whatever its root element is.
    private static bool IsScriptable(string contentType)
    {
        ReadOnlySpan<char> type = contentType.AsSpan();
        int parameters = type.IndexOf(';');
        type = (parameters < 0 ? type : type[..parameters]).Trim();
        return type.Equals("text/html", StringComparison.OrdinalIgnoreCase)
            || type.Equals("text/xml", StringComparison.OrdinalIgnoreCase)
            || type.Equals("application/xml", StringComparison.OrdinalIgnoreCase)
            || type.EndsWith("+xml", StringComparison.OrdinalIgnoreCase);
    }

    // A directory the request names as its parent could not be opened for writing.
    public static int ForParent(FileWriteStatus status) => status switch
    {
        // RFC 4918 §9.7.1 (PUT), §9.3.1 (MKCOL): a missing parent is 409; parents are never created.
        FileWriteStatus.NotFound => 409,
        // A symlink on the way (RESOLVE_NO_SYMLINKS: ELOOP) or a way out of the root: never written through.
        FileWriteStatus.OutsideRoot or FileWriteStatus.NotPermitted => 403,
        FileWriteStatus.NameTooLong => 404,
        FileWriteStatus.TooManyOpenFiles => 503,
        _ => 500,
    };

    public static int ForWrite(FileWriteStatus status) => status switch
    {
        FileWriteStatus.Done => 201,
        FileWriteStatus.Exists => 412,
        FileWriteStatus.NoSpace => 507,
        FileWriteStatus.NotPermitted or FileWriteStatus.OutsideRoot => 403,
        FileWriteStatus.IsDirectory or FileWriteStatus.NotEmpty => 409,
        FileWriteStatus.NotFound => 409,
        FileWriteStatus.NameTooLong => 404,
        FileWriteStatus.TooManyOpenFiles => 503,
        _ => 500,
    };

    public static int ForReceive(ReceiveOutcome outcome) => outcome switch
    {
        ReceiveOutcome.NoSpace => 507,
        ReceiveOutcome.NotPermitted => 403,
        ReceiveOutcome.TooLarge => 413,
        ReceiveOutcome.BadFraming => 400,
        // PeerGone/TimedOut: nobody to answer (the connection closes without a response).
        ReceiveOutcome.PeerGone or ReceiveOutcome.TimedOut => 400,
        _ => 500,
    };
}
