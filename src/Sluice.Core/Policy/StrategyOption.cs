namespace Sluice.Core.Policy;

// What the operator asked for (--strategy). Auto lets TransferPolicy decide per response.
public enum StrategyOption : byte
{
    Auto,
    Sendfile,
    Buffered,
    Direct,
    Dontcache,
    Copy,
}
