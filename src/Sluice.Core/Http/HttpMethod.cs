namespace Sluice.Core.Http;

public enum HttpMethod : byte
{
    Unknown,
    Get,
    Head,
    Post,
    Put,
    Delete,
    Options,
    Patch,
    Trace,
    Connect,
}
