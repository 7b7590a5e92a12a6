namespace Sluice.Core.Http;

public enum ParseStatus : byte
{
    // Not enough bytes for a whole request head; nothing was consumed and the handler was not called.
    Incomplete,
    Complete,
    Invalid,
}
