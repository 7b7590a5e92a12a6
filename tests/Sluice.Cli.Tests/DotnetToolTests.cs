namespace Sluice.Cli.Tests;

// Issue 10 item 1, the second route: `dotnet pack` makes a tool package that installs and runs.
public sealed class DotnetToolTests : IDisposable
{
    private readonly string _workspace = Path.Combine(Path.GetTempPath(), "sluice-tool-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        try
        {
            Directory.Delete(_workspace, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    [Fact]
    public async Task ThePackedToolInstallsIntoAToolPathAndRuns()
    {
        string sources = BuildTools.CopySources(Directory.CreateDirectory(Path.Combine(_workspace, "repo")).FullName);
        string packages = Directory.CreateDirectory(Path.Combine(_workspace, "packages")).FullName;
        string tools = Path.Combine(_workspace, "tools");

        await BuildTools.RunDotnetAsync(sources, TimeSpan.FromMinutes(15), "pack", "src/Sluice.Cli", "-c", "Release", "-o", packages);
        string package = Assert.Single(Directory.GetFiles(packages, "sluice.*.nupkg"));
        // The chart's natives for Linux only (x64, arm64), not SkiaSharp's fifteen platforms (~140 MB).
        Assert.True(new FileInfo(package).Length < 30L * 1024 * 1024, $"{package} is {new FileInfo(package).Length} bytes");

        // Only the local package source: the install must not depend on a network feed.
        string config = Path.Combine(_workspace, "nuget.config");
        await File.WriteAllTextAsync(config, $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration><packageSources><clear /><add key="local" value="{packages}" /></packageSources></configuration>
            """);
        await BuildTools.RunDotnetAsync(_workspace, TimeSpan.FromMinutes(5), "tool", "install", "sluice", "--tool-path", tools, "--configfile", config);

        await using SluiceProcess sluice = SluiceProcess.StartExecutable(Path.Combine(tools, "sluice"), "--version");
        await sluice.WaitForExitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(0, sluice.ExitCode);
        Assert.Matches(@"^0\.1\.0(\+[0-9a-f]+)?\n$", sluice.Stdout);
    }
}
