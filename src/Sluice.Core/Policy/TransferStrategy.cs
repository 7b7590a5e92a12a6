namespace Sluice.Core.Policy;

// How the bytes of a file body move. DESIGN.md has the table of when each wins.
public enum TransferStrategy : byte
{
    Buffered,
    Sendfile,
}
