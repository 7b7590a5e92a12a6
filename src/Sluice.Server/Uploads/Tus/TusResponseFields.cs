using Sluice.Core.Dates;
using Sluice.Core.Responses;
using Sluice.Core.Uploads;

namespace Sluice.Server.Uploads.Tus;

// The tus 1.0.0 fields of one response, as data (like the rest of ResponsePlan). Every tus
// response carries Tus-Resumable; the others only where the protocol asks for them.
public sealed class TusResponseFields
{
    public bool Active { get; set; }

    // OPTIONS (and 412): Tus-Version, Tus-Extension, Tus-Max-Size.
    public bool Discovery { get; set; }

    public long MaxSize { get; set; }

    // 412 for a missing or other Tus-Resumable: Tus-Version only.
    public bool VersionOnly { get; set; }

    public long? Offset { get; set; }

    public long? Length { get; set; }

    public DateTimeOffset? Expires { get; set; }

    // HEAD: an offset must never come from a cache (tus 1.0.0 §HEAD).
    public bool NoStore { get; set; }

    // 405: the methods the resource allows (RFC 9110 §15.5.6 requires Allow).
    public string? Allow { get; set; }

    public void Clear()
    {
        Active = Discovery = VersionOnly = NoStore = false;
        MaxSize = 0;
        Offset = Length = null;
        Expires = null;
        Allow = null;
    }

    public void Write(ref ResponseHeadWriter w)
    {
        w.Field("Tus-Resumable"u8, TusProtocol.Version);
        if (Discovery || VersionOnly)
        {
            w.Field("Tus-Version"u8, TusProtocol.Version);
        }

        if (Discovery)
        {
            w.Field("Tus-Extension"u8, TusProtocol.Extensions);
            if (MaxSize > 0)
            {
                w.Field("Tus-Max-Size"u8, MaxSize);
            }
        }

        if (Offset is long offset)
        {
            w.Field("Upload-Offset"u8, offset);
        }

        if (Length is long length)
        {
            w.Field("Upload-Length"u8, length);
        }

        if (Expires is DateTimeOffset expires)
        {
            Span<byte> date = stackalloc byte[HttpDate.FixdateLength];
            HttpDate.Format(expires, date);
            w.Field("Upload-Expires"u8, date);
        }

        if (NoStore)
        {
            w.Field("Cache-Control"u8, "no-store"u8);
        }

        if (Allow is not null)
        {
            w.Field("Allow"u8, Allow);
        }
    }
}
