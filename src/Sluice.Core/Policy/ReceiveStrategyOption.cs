namespace Sluice.Core.Policy;

// What the operator asked for (--receive-strategy). Auto lets ReceivePolicy decide per upload.
public enum ReceiveStrategyOption : byte
{
    Auto,
    Buffered,
    Splice,
    Dontcache,
    Direct,
}
