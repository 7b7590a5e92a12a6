using System.Text;
using Microsoft.Win32.SafeHandles;
using Sluice.Interop.Pal;

namespace Sluice.Server.Logging;

// --access-log FILE: opened for appending with O_APPEND (FilePal.TryOpenForAppend says why),
// created if missing. "-" is standard output. Open runs at start (so a wrong path is a one-line
// error and exit 1) and again on the log's writer thread for each SIGUSR1 reopen.
public static class AccessLogFile
{
    public const string StandardOutput = "-";

    public static TextWriter Open(string path)
    {
        FileOpenStatus status = FilePal.TryOpenForAppend(path, out SafeFileHandle handle);
        switch (status)
        {
            case FileOpenStatus.Opened:
                break;
            case FileOpenStatus.PermissionDenied:
                throw new UnauthorizedAccessException($"access log {path}: permission denied");
            case FileOpenStatus.NotFound:
                throw new IOException($"access log {path}: no such directory");
            case FileOpenStatus.SpecialFile:
                throw new IOException($"access log {path}: a FIFO with no reader (start the reader first), or a socket or device");
            default:
                throw new IOException($"access log {path}: cannot open for appending ({status.ToString().ToLowerInvariant()})");
        }

        // Unbuffered stream, buffered writer: LogQueue flushes whenever its queue runs empty, so
        // a quiet server's lines reach the file at once and a busy one's in 4 KiB writes.
        var stream = new FileStream(handle, FileAccess.Write, bufferSize: 0);
        return new StreamWriter(stream, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false), 4096) { NewLine = "\n" };
    }
}
