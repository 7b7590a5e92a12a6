using System.Diagnostics;
using System.Text;

namespace Sluice.Cli.Tests;

// For the tests that publish and pack sluice: a copy of the sources in a temporary directory (so
// the publish never rewrites this checkout's obj/ while other test assemblies run from it), the
// dotnet SDK run to completion, and the check that the Native AOT toolchain is there.
internal static class BuildTools
{
    public static string RepositoryRoot
    {
        get
        {
            for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "Sluice.slnx")))
                {
                    return dir.FullName;
                }
            }

            throw new InvalidOperationException($"no Sluice.slnx above {AppContext.BaseDirectory}");
        }
    }

    // src/ and the Directory.* files, without bin/ and obj/.
    public static string CopySources(string destination)
    {
        string root = RepositoryRoot;
        foreach (string name in new[] { "Directory.Build.props", "Directory.Build.targets", "Directory.Packages.props" })
        {
            File.Copy(Path.Combine(root, name), Path.Combine(destination, name));
        }

        CopyTree(Path.Combine(root, "src"), Path.Combine(destination, "src"));
        return destination;
    }

    // Native AOT links with clang and needs zlib's static library; a missing one is a failure that
    // says how to get it, never a skip.
    public static void RequireAotToolchain()
    {
        bool clang = Environment.GetEnvironmentVariable("PATH")!.Split(':').Any(dir => File.Exists(Path.Combine(dir, "clang")));
        bool zlib = File.Exists("/usr/lib/x86_64-linux-gnu/libz.a") || File.Exists("/usr/lib/libz.a");
        Assert.True(clang && zlib, $"the Native AOT publish needs clang and zlib1g-dev ({(clang ? "" : "clang missing ")}{(zlib ? "" : "libz.a missing")}): run .ci/run, which installs them, or apt-get install -y clang zlib1g-dev");
    }

    public static async Task<string> RunDotnetAsync(string workingDirectory, TimeSpan timeout, params string[] arguments)
    {
        var start = new ProcessStartInfo(SluiceProcess.DotnetHost)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // No build server left behind by a test, and no first-run banner.
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        start.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        start.Environment["UseSharedCompilation"] = "false";

        var output = new StringBuilder();
        using var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.ErrorDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await process.WaitForExitAsync().WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"dotnet {string.Join(' ', arguments)} took more than {timeout}:\n{output}");
        }

        process.WaitForExit();
        string text;
        lock (output)
        {
            text = output.ToString();
        }

        Assert.True(process.ExitCode == 0, $"dotnet {string.Join(' ', arguments)} exited {process.ExitCode}:\n{text}");
        return text;
    }

    private static void CopyTree(string source, string destination)
    {
        Directory.CreateDirectory(destination);
        foreach (string file in Directory.GetFiles(source))
        {
            File.Copy(file, Path.Combine(destination, Path.GetFileName(file)));
        }

        foreach (string dir in Directory.GetDirectories(source))
        {
            string name = Path.GetFileName(dir);
            if (name is not ("bin" or "obj"))
            {
                CopyTree(dir, Path.Combine(destination, name));
            }
        }
    }
}
