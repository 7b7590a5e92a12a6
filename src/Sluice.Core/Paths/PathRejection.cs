namespace Sluice.Core.Paths;

// Why a request path cannot name a file below the served root; the caller maps each to 400
// (or 403 for EscapesRoot) without touching the file system.
public enum PathRejection
{
    None,
    MalformedEncoding, // a '%' not followed by two hex digits, or a control character
    NulByte,           // would truncate the path at the system-call boundary
    Backslash,         // a separator on other systems; refused so no layer can be confused by it
    EscapesRoot,       // ".." above the root
    NotOriginForm,     // does not start with '/'
}
