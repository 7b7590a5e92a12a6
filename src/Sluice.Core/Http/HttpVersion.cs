namespace Sluice.Core.Http;

public enum HttpVersion : byte
{
    Unknown,
    Http10,
    Http11,
}
