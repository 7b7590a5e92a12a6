namespace Sluice.Server.Uploads.Tus;

// One upload in the staging store, as the store keeps it in memory. Offset is the number of bytes
// in the data file that were made durable (fsynced) — the only offset ever reported to a client.
// Busy serialises requests on one upload: a PATCH, the placement and a DELETE never overlap.
public sealed class StagedUpload
{
    private int _busy;

    public StagedUpload(string id, string target, string owner, long length, DateTimeOffset created, DateTimeOffset expires, bool ifNoneMatch)
    {
        Id = id;
        Target = target;
        Owner = owner;
        Length = length;
        Created = created;
        Expires = expires;
        IfNoneMatch = ifNoneMatch;
    }

    public string Id { get; }

    // The path relative to the served root where the completed file is placed.
    public string Target { get; }

    // The authenticated user who created it ("" when access control is off).
    public string Owner { get; }

    public long Length { get; }

    public DateTimeOffset Created { get; }

    public DateTimeOffset Expires { get; }

    // Upload-Metadata ifnonematch: placement must not replace an existing file (412).
    public bool IfNoneMatch { get; }

    public long Offset { get; internal set; }

    // Placed under its name; the data file is gone, the record stays until expiry so a HEAD still
    // answers Upload-Offset = Upload-Length.
    public bool Completed { get; internal set; }

    // Removed (DELETE or expiry) while a request held it.
    public bool Removed { get; internal set; }

    public bool TryEnter() => Interlocked.CompareExchange(ref _busy, 1, 0) == 0;

    public void Exit() => Volatile.Write(ref _busy, 0);
}
