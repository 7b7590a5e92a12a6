using System.Diagnostics;
using System.Text;

namespace Sluice.Server.Tests.Archive;

// GNU tar (Debian's), run with a hard time limit, and the small helpers the archive tests share.
internal static class TarProcess
{
    public static async Task<(int Exit, string Stdout, string Stderr)> RunAsync(params string[] arguments)
    {
        var start = new ProcessStartInfo("/usr/bin/tar") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using Process process = Process.Start(start) ?? throw new InvalidOperationException("cannot start tar");
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        try
        {
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        }
        catch (TimeoutException)
        {
            process.Kill();
            throw;
        }

        return (process.ExitCode, await stdout, await stderr);
    }

    // Extracts archive into directory; fails the test unless tar accepts it without a word.
    public static async Task ExtractAsync(string archive, string directory)
    {
        Directory.CreateDirectory(directory);
        (int exit, _, string stderr) = await RunAsync("-xf", archive, "-C", directory);
        Assert.True(exit == 0 && stderr.Length == 0, $"tar -x exited {exit}: {stderr}");
    }

    // Relative path → SHA-256 of every regular file below root, and the set of directories
    // ("" excluded), '/'-separated.
    public static (Dictionary<string, string> Files, SortedSet<string> Directories) Snapshot(string root)
    {
        var files = new Dictionary<string, string>(StringComparer.Ordinal);
        var directories = new SortedSet<string>(StringComparer.Ordinal);
        foreach (string path in Directory.EnumerateFileSystemEntries(root, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 }))
        {
            string relative = Path.GetRelativePath(root, path).Replace('\\', '/');
            if (Directory.Exists(path))
            {
                directories.Add(relative);
            }
            else
            {
                files.Add(relative, Infrastructure.Fixtures.Sha256OfFile(path));
            }
        }

        return (files, directories);
    }

    // The payload of a chunked body (RFC 9112 §7.1) and whether its last chunk arrived: a body cut
    // anywhere (inside a chunk, between chunks) decodes as far as it goes with Complete false.
    public static (byte[] Payload, bool Complete) Dechunk(byte[] body)
    {
        using var payload = new MemoryStream();
        int at = 0;
        while (true)
        {
            int lineEnd = body.AsSpan(at).IndexOf("\r\n"u8);
            if (lineEnd < 0)
            {
                return (payload.ToArray(), false);
            }

            long size = Convert.ToInt64(Encoding.ASCII.GetString(body, at, lineEnd), 16);
            at += lineEnd + 2;
            if (size == 0)
            {
                return (payload.ToArray(), body.AsSpan(at).SequenceEqual("\r\n"u8));
            }

            if (body.Length - at < size + 2)
            {
                payload.Write(body, at, (int)Math.Min(size, body.Length - at));
                return (payload.ToArray(), false);
            }

            payload.Write(body, at, (int)size);
            Assert.Equal("\r\n", Encoding.ASCII.GetString(body, at + (int)size, 2));
            at += (int)size + 2;
        }
    }
}
