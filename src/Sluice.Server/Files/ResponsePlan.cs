using Sluice.Core.Auth;
using Sluice.Core.Policy;
using Sluice.Server.Transfer;

namespace Sluice.Server.Files;

// What the file handler decided to answer, as data: status, fields, and a body that is either a
// small buffer in memory or a description of file ranges. Reused across a connection's requests.
public sealed class ResponsePlan
{
    // The connection's one body description, described anew per response (see FileBody).
    private readonly FileBody _body = new();

    public int Status { get; set; }

    public string? ContentType { get; set; }

    // The length of the body a GET would carry (also sent for HEAD).
    public long ContentLength { get; set; }

    public string? ETag { get; set; }

    public DateTimeOffset? LastModified { get; set; }

    public bool AcceptRanges { get; set; }

    public bool HasContentRange { get; set; }

    public long RangeFirst { get; set; }

    public long RangeLast { get; set; }

    public long CompleteLength { get; set; }

    public long? UnsatisfiedCompleteLength { get; set; }

    public string? Location { get; set; }

    public bool AllowGetHead { get; set; }

    public int RetryAfterSeconds { get; set; }

    public ReadOnlyMemory<byte> InlineBody { get; set; }

    // Null unless the response carries a file body (AttachFile).
    public FileBody? FileBody { get; private set; }

    // HEAD and 304: fields only.
    public bool OmitBody { get; set; }

    public bool CloseConnection { get; set; }

    public TransferDecision? Decision { get; set; }

    // The challenge of a 401 (RFC 9110 §11.6.1); null otherwise.
    public string? WwwAuthenticate { get; set; }

    // Sent as Content-Security-Policy (the listing page's; file bodies get none).
    public byte[]? ContentSecurityPolicy { get; set; }

    // cachestat / posix_fadvise calls the decision itself cost.
    public int PolicySyscalls { get; set; }

    // A precompressed variant's coding ("br", "zstd", "gzip"); null for identity.
    public string? ContentEncoding { get; set; }

    // The representation was chosen by Accept-Encoding (--precompressed): caches must key on it.
    public bool VaryAcceptEncoding { get; set; }

    // A constraint on the request, set before the handler runs: the auth gate let it in only
    // because its path is under --public, so the file the kernel resolves must be under one of
    // these prefixes too (FileHandler.PublicOnly.cs). Null: no such constraint.
    public PublicPaths? PublicOnly { get; set; }

    // Set by the handler: the resolved file lies outside PublicOnly; the plan holds a 401.
    public bool LeftPublic { get; set; }
    // The Allow field when it lists more than GET and HEAD (uploads on: RFC 9110 §10.2.1).
    public string? Allow { get; set; }
    // tus 1.0.0 fields of a resumable-upload response (inactive for every other response).
    public Uploads.Tus.TusResponseFields Tus { get; } = new();
    // A folder streamed as a tar (?archive=tar): its members are file bodies sent one after
    // another (Http1Connection.Archive.cs); null otherwise. The stream owns its descriptors.
    public Archive.TarStream? Archive { get; set; }
    // Repr-Digest (RFC 9530) of the selected representation; null when not sent.
    public string? ReprDigest { get; set; }
    // Set by the connection: uploads are on and this request may write (authenticated, or no
    // auth configured), so a listing offers upload and delete controls.
    public bool ListingCanWrite { get; set; }
    // A listing chosen by Accept (HTML or JSON): caches must key on it.
    public bool VaryAccept { get; set; }

    public void Reset()
    {
        Status = 0;
        ContentType = null;
        ContentLength = 0;
        ETag = null;
        LastModified = null;
        AcceptRanges = false;
        HasContentRange = false;
        RangeFirst = RangeLast = CompleteLength = 0;
        UnsatisfiedCompleteLength = null;
        Location = null;
        AllowGetHead = false;
        RetryAfterSeconds = 0;
        InlineBody = ReadOnlyMemory<byte>.Empty;
        FileBody = null;
        _body.Clear();
        OmitBody = false;
        CloseConnection = false;
        Decision = null;
        PolicySyscalls = 0;
        WwwAuthenticate = null;
        ContentEncoding = null;
        VaryAcceptEncoding = false;
        ContentSecurityPolicy = null;
        PublicOnly = null;
        LeftPublic = false;
        Allow = null;
        Tus.Clear();
        Archive = null;
        ReprDigest = null;
        ListingCanWrite = false;
        VaryAccept = false;
    }

    // The body is file ranges; the plan owns the file reference until the response releases it.
    public FileBody AttachFile(FileRef file, ReadOnlySpan<FileSegment> segments, ReadOnlyMemory<byte> epilogue)
    {
        _body.Describe(file, segments, epilogue);
        FileBody = _body;
        return _body;
    }

    public void SetInline(int status, ReadOnlyMemory<byte> body, string contentType)
    {
        Status = status;
        InlineBody = body;
        ContentType = contentType;
        ContentLength = body.Length;
    }
}
