namespace Sluice.Core.Auth;

public enum PasswordHashKind : byte
{
    // $pbkdf2-sha256$ITERATIONS$SALT$HASH: our own, from the BCL (sluice hash-password).
    Pbkdf2Sha256,
    // $2a$, $2b$, $2y$: bcrypt, as `htpasswd -B` writes it.
    Bcrypt,
}
