using Sluice.Core.Auth;

namespace Sluice.Core.Tests.Auth;

public sealed class PasswordHashTests
{
    // Computed independently with Python's hashlib.pbkdf2_hmac('sha256', b'correct horse',
    // bytes(range(16)), 100000, 32), in passlib's adapted base64.
    private const string PythonVector = "$pbkdf2-sha256$100000$AAECAwQFBgcICQoLDA0ODw$V/LC8HOXSNUWQZsGKohGZjI8WD6krhZVBKgfe1PGKgk";

    // htpasswd -nbB -C 5 alice 'correct horse' (Apache 2.4).
    private const string HtpasswdBcrypt = "$2y$05$ZHhlKXi9U8GjzfKSBzQwKO9n8j.Rfti14fC0WuvaPp.3.rVYi05OK";

    [Fact]
    public void CreateMatchesAnIndependentPbkdf2Implementation()
    {
        byte[] salt = Enumerable.Range(0, 16).Select(i => (byte)i).ToArray();
        Assert.Equal(PythonVector, Pbkdf2Password.Create("correct horse", 100_000, salt));
    }

    [Fact]
    public void VerifiesTheRightPasswordOnly()
    {
        Assert.True(PasswordHash.TryParse(PythonVector, out PasswordHash hash, out string error), error);
        Assert.Equal(PasswordHashKind.Pbkdf2Sha256, hash.Kind);
        Assert.Equal(100_000, hash.Iterations);
        Assert.True(Pbkdf2Password.Verify("correct horse", hash));
        Assert.False(Pbkdf2Password.Verify("correct horsf", hash));
        Assert.False(Pbkdf2Password.Verify("", hash));
    }

    [Fact]
    public void CreateSaltsEachHash()
    {
        string a = Pbkdf2Password.Create("same", Pbkdf2Password.MinIterations);
        string b = Pbkdf2Password.Create("same", Pbkdf2Password.MinIterations);
        Assert.NotEqual(a, b);
        Assert.DoesNotContain('+', a);
        Assert.DoesNotContain('=', a);
    }

    [Fact]
    public void AcceptsStandardBase64Too()
    {
        string standard = "$pbkdf2-sha256$100000$AAECAwQFBgcICQoLDA0ODw==$V/LC8HOXSNUWQZsGKohGZjI8WD6krhZVBKgfe1PGKgk=";
        Assert.True(PasswordHash.TryParse(standard, out PasswordHash hash, out string error), error);
        Assert.True(Pbkdf2Password.Verify("correct horse", hash));
    }

    [Fact]
    public void RecognisesHtpasswdBcrypt()
    {
        Assert.True(PasswordHash.TryParse(HtpasswdBcrypt, out PasswordHash hash, out string error), error);
        Assert.Equal(PasswordHashKind.Bcrypt, hash.Kind);
        Assert.True(PasswordHash.TryParse("$2b$" + HtpasswdBcrypt[4..], out _, out _));
        Assert.True(PasswordHash.TryParse("$2a$" + HtpasswdBcrypt[4..], out _, out _));
    }

    [Theory]
    [InlineData("$pbkdf2-sha256$99999$AAECAwQFBgcICQoLDA0ODw$V/LC8HOXSNUWQZsGKohGZjI8WD6krhZVBKgfe1PGKgk", "iterations 99999")]
    [InlineData("$pbkdf2-sha256$abc$AAECAwQFBgcICQoLDA0ODw$V/LC8HOXSNUWQZsGKohGZjI8WD6krhZVBKgfe1PGKgk", "not a number")]
    [InlineData("$pbkdf2-sha256$100000$AAECAwQFBgcICQoLDA0ODw", "expected $pbkdf2-sha256$")]
    [InlineData("$pbkdf2-sha256$100000$AAEC$V/LC8HOXSNUWQZsGKohGZjI8WD6krhZVBKgfe1PGKgk", "salt")]
    [InlineData("$pbkdf2-sha256$100000$AAECAwQFBgcICQoLDA0ODw$!!", "hash is not base64")]
    [InlineData("$2y$05$ZHhlKXi9U8GjzfKSBzQwKO9n8j.Rfti14fC0WuvaPp.3.rVYi05O", "malformed bcrypt")]
    [InlineData("$2y$03$ZHhlKXi9U8GjzfKSBzQwKO9n8j.Rfti14fC0WuvaPp.3.rVYi05OK", "cost 3")]
    [InlineData("$2y$05$ZHhlKXi9U8GjzfKSBzQwKO9n8j.Rfti14fC0WuvaPp.3.rVYi05O+", "outside")]
    [InlineData("$apr1$rjcFVP3S$k4gGKr7qI3p47L27oGHSy.", "unsupported")]
    [InlineData("{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=", "unsupported")]
    [InlineData("plaintext", "unsupported")]
    public void RefusesWeakOrMalformedHashesWithAReason(string encoded, string reason)
    {
        Assert.False(PasswordHash.TryParse(encoded, out _, out string error));
        Assert.Contains(reason, error, StringComparison.Ordinal);
    }
}
