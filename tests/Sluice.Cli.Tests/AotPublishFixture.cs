namespace Sluice.Cli.Tests;

// Publishes sluice with Native AOT once for all tests of AotBinaryTests: minutes of clang and ILC,
// acceptable once per CI run. The publish output (its warnings included) is kept for the tests.
public sealed class AotPublishFixture : IAsyncLifetime
{
    private readonly string _workspace = Path.Combine(Path.GetTempPath(), "sluice-aot-" + Guid.NewGuid().ToString("N"));

    public string Executable => Path.Combine(_workspace, "out", "sluice");

    public string OutputDirectory => Path.Combine(_workspace, "out");

    public string PublishLog { get; private set; } = "";

    public async Task InitializeAsync()
    {
        BuildTools.RequireAotToolchain();
        Directory.CreateDirectory(_workspace);
        string sources = BuildTools.CopySources(Directory.CreateDirectory(Path.Combine(_workspace, "repo")).FullName);

        // The README's command, with an output directory.
        PublishLog = await BuildTools.RunDotnetAsync(
            sources, TimeSpan.FromMinutes(20),
            "publish", "-c", "Release", "-r", "linux-x64", "-p:PublishAot=true", "src/Sluice.Cli", "-o", OutputDirectory);
    }

    public Task DisposeAsync()
    {
        try
        {
            Directory.Delete(_workspace, recursive: true);
        }
        catch (IOException)
        {
        }

        return Task.CompletedTask;
    }
}
