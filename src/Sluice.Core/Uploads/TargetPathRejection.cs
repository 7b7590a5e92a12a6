namespace Sluice.Core.Uploads;

public enum TargetPathRejection : byte
{
    None,
    // Empty, absolute, a trailing '/', or an empty, "." or ".." segment.
    Malformed,
    // NUL, other control characters, or a backslash.
    InvalidCharacter,
    // A segment beginning with '.' while dotfiles are not served (the same rule as reads).
    Dotfile,
    TooLong,
}
