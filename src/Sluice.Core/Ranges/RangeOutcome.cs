namespace Sluice.Core.Ranges;

public enum RangeOutcome
{
    // Serve the full representation with 200: the header is invalid, uses a unit we do not support,
    // or asks for more range-specs than we accept (RFC 9110 §14.2 lets a server ignore Range).
    Ignored,

    // Serve 206 with the ranges the parser produced.
    Satisfiable,

    // Serve 416 with "Content-Range: bytes */LEN" (RFC 9110 §14.4, §15.5.17).
    Unsatisfiable,
}
