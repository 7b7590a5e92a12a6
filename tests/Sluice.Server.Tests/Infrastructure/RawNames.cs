using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace Sluice.Server.Tests.Infrastructure;

// Files whose names are raw bytes, made and read through libc directly: .NET's File APIs encode a
// name as UTF-8 and cannot spell a name that is not, and the server's own interop is what is under
// test, so the fixtures must not share its byte mapping.
internal static class RawNames
{
    private const int O_WRONLY = 0x1, O_CREAT = 0x40, O_EXCL = 0x80, O_CLOEXEC = 0x80000;

    public static byte[] Join(string directory, params byte[][] components)
    {
        var path = new List<byte>(Encoding.UTF8.GetBytes(directory));
        foreach (byte[] component in components)
        {
            path.Add((byte)'/');
            path.AddRange(component);
        }

        return [.. path];
    }

    public static void CreateFile(byte[] path, byte[] content)
    {
        int fd = Open(Terminated(path), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0x1a4);
        Assert.True(fd >= 0, $"open {Convert.ToHexString(path)}: errno {Marshal.GetLastPInvokeError()}");
        using var handle = new SafeFileHandle(fd, ownsHandle: true);
        RandomAccess.Write(handle, content, 0);
    }

    // Removes a tree that holds names .NET cannot spell (Directory.Delete fails on them).
    public static void DeleteTree(string path)
    {
        using var rm = System.Diagnostics.Process.Start("rm", ["-rf", "--", path]);
        rm.WaitForExit();
        Assert.Equal(0, rm.ExitCode);
    }

    public static void CreateDirectory(byte[] path)
    {
        Assert.True(Mkdir(Terminated(path), 0x1ed) == 0, $"mkdir {Convert.ToHexString(path)}: errno {Marshal.GetLastPInvokeError()}");
    }

    // The file's bytes, or null when no file has exactly this name.
    public static byte[]? ReadFile(byte[] path)
    {
        int fd = Open(Terminated(path), O_CLOEXEC, 0);
        if (fd < 0)
        {
            return null;
        }

        using var handle = new SafeFileHandle(fd, ownsHandle: true);
        byte[] content = new byte[RandomAccess.GetLength(handle)];
        Assert.Equal(content.Length, RandomAccess.Read(handle, content, 0));
        return content;
    }

    public static bool IsDirectory(byte[] path)
    {
        int O_DIRECTORY = RuntimeInformation.ProcessArchitecture == Architecture.Arm64 ? 0x4000 : 0x10000;
        int fd = Open(Terminated(path), O_DIRECTORY | O_CLOEXEC, 0);
        if (fd < 0)
        {
            return false;
        }

        new SafeFileHandle(fd, ownsHandle: true).Dispose();
        return true;
    }

    private static byte[] Terminated(byte[] path) => [.. path, 0];

    // DllImport, not LibraryImport: the test project has no unsafe code, and a byte[] marshals as is.
    [DllImport("libc", EntryPoint = "open", SetLastError = true)]
    private static extern int Open(byte[] path, int flags, int mode);

    [DllImport("libc", EntryPoint = "mkdir", SetLastError = true)]
    private static extern int Mkdir(byte[] path, int mode);
}
