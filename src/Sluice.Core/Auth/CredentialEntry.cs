namespace Sluice.Core.Auth;

// One user and its stored hash, from --auth or a line of --auth-file.
public sealed record CredentialEntry(string User, PasswordHash Hash);
