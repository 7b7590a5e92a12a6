using Sluice.Core.Auth;

namespace Sluice.Core.Tests.Auth;

public sealed class CredentialParserTests
{
    private const string Bcrypt = "$2y$05$ZHhlKXi9U8GjzfKSBzQwKO9n8j.Rfti14fC0WuvaPp.3.rVYi05OK";
    private const string Pbkdf2 = "$pbkdf2-sha256$100000$AAECAwQFBgcICQoLDA0ODw$V/LC8HOXSNUWQZsGKohGZjI8WD6krhZVBKgfe1PGKgk";

    [Fact]
    public void ReadsAnHtpasswdFileSkippingCommentsAndBlankLines()
    {
        var errors = new List<string>();
        IReadOnlyList<CredentialEntry> entries = CredentialParser.Parse(
            ["# users", "", $"alice:{Bcrypt}\r", $"bob:{Pbkdf2}", "   "], "users.htpasswd", skipComments: true, errors);

        Assert.Empty(errors);
        Assert.Equal(["alice", "bob"], entries.Select(e => e.User));
        Assert.Equal(PasswordHashKind.Bcrypt, entries[0].Hash.Kind);
        Assert.Equal(PasswordHashKind.Pbkdf2Sha256, entries[1].Hash.Kind);
    }

    [Fact]
    public void ReportsEachBadLineWithItsNumber()
    {
        var errors = new List<string>();
        IReadOnlyList<CredentialEntry> entries = CredentialParser.Parse(
            [$"alice:{Bcrypt}", "no-colon-here", "carol:$apr1$rjcFVP3S$k4gGKr7qI3p47L27oGHSy.", $"alice:{Pbkdf2}", $":{Pbkdf2}"], "f", skipComments: true, errors);

        Assert.Single(entries);
        Assert.Equal(4, errors.Count);
        Assert.StartsWith("f:2: expected USER:HASH", errors[0], StringComparison.Ordinal);
        Assert.StartsWith("f:3: user 'carol': unsupported password hash", errors[1], StringComparison.Ordinal);
        Assert.Equal("f:4: user 'alice' is defined twice", errors[2]);
        Assert.StartsWith("f:5: expected USER:HASH", errors[3], StringComparison.Ordinal);
    }

    [Fact]
    public void CommandLineEntriesDoNotSkipCommentLikeValues()
    {
        var errors = new List<string>();
        CredentialParser.Parse(["#x:" + Pbkdf2], "--auth", skipComments: false, errors);
        Assert.Empty(errors);
    }
}
