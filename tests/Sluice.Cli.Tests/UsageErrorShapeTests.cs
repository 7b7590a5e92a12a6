namespace Sluice.Cli.Tests;

// Every usage error has one shape, whoever finds it: System.CommandLine while parsing (an unknown
// option, a value its parser refuses) or ServerOptions.Validate afterwards (a root that does not
// exist). The parser's errors used to be followed by "sluice: see 'sluice serve --help'", the
// others not, so a script had to expect two shapes for the same kind of mistake.
public sealed class UsageErrorShapeTests
{
    private static readonly TimeSpan s_quick = TimeSpan.FromSeconds(30);

    [Theory]
    [InlineData("serve", "--bogus")]                                  // parser: unknown option
    [InlineData("serve", "--port", "abc")]                            // parser: our value parser
    [InlineData("serve", "/nonexistent-sluice-root-7d1f")]            // Validate: no such root
    [InlineData("serve", "/tmp", "--tls-cert", "/nonexistent.pem")]   // Validate: --tls-key missing
    public async Task EveryUsageErrorIsOneLineAndExit2(params string[] arguments)
    {
        (int exit, string stdout, string stderr) = await SluiceProcess.RunAsync(s_quick, arguments);

        Assert.Equal(2, exit);
        Assert.Equal("", stdout);
        string line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("sluice: ", line, StringComparison.Ordinal);
        Assert.DoesNotContain("--help", line, StringComparison.Ordinal);
    }
}
