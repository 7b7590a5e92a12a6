using System.Buffers;
using System.Text;
using Sluice.Core.Archive;
using Sluice.Core.Auth;
using Sluice.Core.Paths;
using Sluice.Interop.Pal;
using Sluice.Server.Disk;
using Sluice.Server.Files;
using Sluice.Server.Transfer;

namespace Sluice.Server.Archive;

// A folder as a tar stream (GET /dir/?archive=tar): a response body that is a sequence of file
// bodies, each moved by whatever mechanism the planner picks for it, as a download would be.
//
// Design note. Tar carries file bytes verbatim, so a member is header blocks + the file's bytes +
// zero padding to 512. The stream never copies file bytes: NextAsync walks to the next member
// and describes it as a FileBody with one segment — the whole file — whose Preamble is every
// byte owed before it: the previous member's padding, the headers of the directories and empty
// files walked since, and this member's own headers. The connection sends that body with the
// member's mechanism (sendfile, buffered, direct …), then FinishFile checks the file with fstat:
// a size or mtime other than the one its header declared ends the stream (the connection
// aborts, so the client sees a broken transfer, never a complete-looking corrupt member). Only
// then is the padding owed, which is why it rides in the next preamble.
// Framing is chunked (RFC 9112 §7.1) for HTTP/1.1: one chunk per member, its size known from the
// header and the file size, so no pre-walk of the tree is needed (a pre-walk for Content-Length
// would stat everything twice and still be wrong if the tree changed in between). The chunk's
// CRLF comes with the padding; the last chunk only after the two zero blocks that end the
// archive. An aborted archive therefore always lacks its last chunk. HTTP/1.0 gets the same
// bytes without chunk framing and a close-delimited body (the connection resets on abort).
// Memory is bounded whatever the tree: the walk is lazy (readdir as it goes), holds one open
// directory per level (at most MaxDepth) and one open file, and buffers header bytes only up to
// FlushThreshold before asking for them to be sent alone.
// Threading: Next (readdir, openat2, statx) runs only on the disk engine; the connection awaits it.
// Names are read as bytes (getdents64) and carried as FileNameEncoding strings, so a name that is
// not UTF-8 is archived with its exact bytes (a pax path record holds bytes).
public sealed class TarStream : IDisposable
{
    public const int MaxDepth = 64;
    private const int FlushThreshold = 32 * 1024;

    private readonly FileHandler _handler;
    private readonly IDiskEngine _disk;
    private readonly ArchiveCounters _counters;
    private readonly PublicPaths? _publicOnly;
    private readonly bool _serveDotfiles;
    private readonly Stack<Frame> _frames = new();
    private readonly HashSet<(ulong Device, ulong Inode)> _linkedDirectories = [];
    private readonly FileBody _body = new();
    private readonly string _topRelative;
    private readonly string _topName;
    private FileRef _top;
    private byte[] _pending;
    private int _pendingLength;
    private byte[] _scratch;
    private FileRef _file;
    private FileMetadata _fileOpened;
    private bool _hasFile;
    private bool _started;
    private bool _ended;
    private bool _disposed;

    internal TarStream(FileHandler handler, IDiskEngine disk, ArchiveCounters counters, FileRef directory, string relative, string topName, bool chunked, PublicPaths? publicOnly, bool serveDotfiles)
    {
        _handler = handler;
        _disk = disk;
        _counters = counters;
        _top = directory;
        _topRelative = relative;
        _topName = topName;
        _publicOnly = publicOnly;
        _serveDotfiles = serveDotfiles;
        Chunked = chunked;
        ContentDisposition = Core.Archive.ContentDisposition.Attachment(topName + ".tar");
        _pending = ArrayPool<byte>.Shared.Rent(FlushThreshold + (8 * 1024));
        _scratch = ArrayPool<byte>.Shared.Rent(8 * 1024);
    }

    public bool Chunked { get; }

    public string ContentDisposition { get; }

    // The bytes to send now: a File step's preamble (already inside Body), or a Flush/End step's.
    public ReadOnlyMemory<byte> Pending => _pending.AsMemory(0, _pendingLength);

    // A File step's member: Pending as its preamble, then the whole file.
    public FileBody Body => _body;

    // The member a File step describes (for the log when it changes under the transfer).
    public string? MemberName { get; private set; }

    public Task<ArchiveStep> NextAsync() => _disk.RunAsync(static s => s.Next(), this);

    // The pending bytes went out (as a preamble or alone).
    public void Sent() => _pendingLength = 0;

    // After a File step's body went out: false when the file is not what its header declared
    // (size or mtime changed), and the stream must end unfinished. Closes the file either way.
    public bool FinishFile()
    {
        bool unchanged = FilePal.TryGetMetadata(_file.Handle, out FileMetadata now)
            && now.Length == _fileOpened.Length
            && now.ModifiedUnixNanoseconds == _fileOpened.ModifiedUnixNanoseconds;
        long size = _fileOpened.Length;
        CloseFile();
        if (!unchanged)
        {
            _counters.StreamAborted();
            return false;
        }

        // The member's padding, and the end of its chunk.
        Reserve(TarHeader.BlockSize + 2);
        int padding = TarHeader.Padding(size);
        _pending.AsSpan(_pendingLength, padding).Clear();
        _pendingLength += padding;
        if (Chunked)
        {
            Append(ChunkFraming.ChunkEnd);
        }

        return true;
    }

    // Disk engine only: walks to the next file member, a full buffer, or the end.
    private ArchiveStep Next()
    {
        BlockingGuard.Check("archive walk");
        if (!_started)
        {
            _started = true;
            _counters.StreamStarted();
            PushDirectory(_top, _topRelative, _topName + "/");
            _top = default;
            AppendMember(_topName + "/", TarEntryType.Directory, 0, _frames.Peek().ModifiedSeconds);
        }

        while (!_ended)
        {
            if (_pendingLength >= FlushThreshold)
            {
                return ArchiveStep.Flush;
            }

            if (!_frames.TryPeek(out Frame? frame))
            {
                AppendEnd();
                _ended = true;
                break;
            }

            if (!frame.Names.MoveNext())
            {
                _frames.Pop();
                frame.Dispose();
                _counters.DirectoryClosed();
                continue;
            }

            (string name, bool isLink) = frame.Names.Current;
            string relative = frame.Relative.Length == 0 ? name : frame.Relative + "/" + name;
            // Opened exactly as a request for it would be (confined, dotfiles, --public), and never
            // outside the root even with --follow-symlinks; whatever is refused is left out.
            if (!_handler.TryOpenArchiveMember(relative, _publicOnly, out FileRef entry))
            {
                continue;
            }

            FileMetadata metadata = entry.Metadata;
            string memberName = frame.ArchiveName + name;
            long mtime = Seconds(metadata.ModifiedUnixNanoseconds);
            if (metadata.IsDirectory)
            {
                // A link to an ancestor (allowed inside the root) would recurse forever.
                if (IsOnStack(metadata))
                {
                    entry.Release();
                    continue;
                }

                // A directory reached through a link is archived once: links that each point twice
                // at the next directory of a chain would otherwise make 2^depth members from one
                // request. Only linked directories are remembered, so this set grows with the links
                // in the tree, not with its size.
                if (isLink && !_linkedDirectories.Add((metadata.Device, metadata.Inode)))
                {
                    entry.Release();
                    continue;
                }

                // Deeper than the walk holds descriptors for: leaving the rest out would make a
                // complete-looking archive that lacks files, so the stream ends with an error.
                if (_frames.Count >= MaxDepth)
                {
                    entry.Release();
                    throw new IOException($"the archived tree is deeper than {MaxDepth} levels at {memberName}/");
                }

                PushDirectory(entry, relative, memberName + "/");
                AppendMember(memberName + "/", TarEntryType.Directory, 0, mtime);
                continue;
            }

            if (!metadata.IsRegularFile)
            {
                // Devices, FIFOs, sockets: never served, never archived.
                entry.Release();
                continue;
            }

            if (metadata.Length == 0)
            {
                entry.Release();
                AppendMember(memberName, TarEntryType.File, 0, mtime);
                continue;
            }

            _counters.FileOpened();
            _file = entry;
            _fileOpened = metadata;
            _hasFile = true;
            MemberName = memberName;
            AppendMember(memberName, TarEntryType.File, metadata.Length, mtime);
            var segment = new FileSegment(Pending, 0, metadata.Length);
            _body.Describe(entry, new ReadOnlySpan<FileSegment>(in segment), ReadOnlyMemory<byte>.Empty);
            return ArchiveStep.File;
        }

        return ArchiveStep.End;
    }

    // The one place a directory is read: its names as the kernel stores them (getdents64, made text
    // by FileNameEncoding so a name that is not UTF-8 maps back to its exact bytes when the member is
    // opened), hidden ones left out unless --dotfiles, through a descriptor opened beneath the one
    // opened for the directory, never through its path again. A directory that cannot be read ends
    // the archive with an error (IOException): leaving it out would make the archive look complete.
    private IEnumerator<(string Name, bool IsLink)> ReadNames(FileRef directory)
    {
        FileOpenStatus opened = DirectoryReader.TryOpen(directory.Handle, out DirectoryReader reader);
        if (opened != FileOpenStatus.Opened)
        {
            throw new IOException("cannot read a directory of the archive: " + opened);
        }

        using (reader)
        {
            while (NextName(reader, _serveDotfiles, out bool isLink) is { } name)
            {
                yield return (name, isLink);
            }
        }
    }

    // The next listed name; null at the end. (Not in the iterator: the name's span must not live
    // across a yield.)
    private static string? NextName(DirectoryReader reader, bool serveDotfiles, out bool isLink)
    {
        isLink = false;
        DirectoryReadStatus read;
        while ((read = reader.Next(out ReadOnlySpan<byte> name, out DirectoryEntryType type)) == DirectoryReadStatus.Entry)
        {
            if (serveDotfiles || name[0] != (byte)'.')
            {
                // Unknown (no d_type): counted as a link, so the once-only rule below errs safe.
                isLink = type is DirectoryEntryType.Symlink or DirectoryEntryType.Unknown;
                return FileNameEncoding.GetString(name);
            }
        }

        return read == DirectoryReadStatus.Failed ? throw new IOException("getdents64 failed in an archived directory") : null;
    }

    private void PushDirectory(FileRef directory, string relative, string archiveName)
    {
        _counters.DirectoryOpened();
        _frames.Push(new Frame(directory, ReadNames(directory), relative, archiveName));
    }

    private bool IsOnStack(in FileMetadata directory)
    {
        foreach (Frame frame in _frames)
        {
            if (frame.Directory.Metadata.Device == directory.Device && frame.Directory.Metadata.Inode == directory.Inode)
            {
                return true;
            }
        }

        return false;
    }

    // Header blocks of a member (and, chunked, its chunk-size line; a member without content is
    // a whole chunk). A member with content leaves its chunk open until FinishFile.
    private void AppendMember(string name, TarEntryType type, long size, long mtime)
    {
        _counters.Member();
        // The name's exact bytes (a name that is not UTF-8 keeps its bytes: pax "path" carries them
        // verbatim, and GNU tar extracts them as such).
        int nameBytes = FileNameEncoding.GetByteCount(name);
        int room = nameBytes + TarHeader.MaxLength(nameBytes);
        if (_scratch.Length < room)
        {
            ArrayPool<byte>.Shared.Return(_scratch);
            _scratch = ArrayPool<byte>.Shared.Rent(room);
        }

        Span<byte> nameSpan = _scratch.AsSpan(0, nameBytes);
        FileNameEncoding.GetBytes(name, nameSpan);
        Span<byte> headers = _scratch.AsSpan(nameBytes);
        int length = TarHeader.Write(nameSpan, type, size, mtime, headers);
        Reserve(ChunkFraming.MaxSizeLineLength + length + 2);
        if (Chunked)
        {
            long chunk = length + (size > 0 ? size + TarHeader.Padding(size) : 0);
            _pendingLength += ChunkFraming.WriteSizeLine(chunk, _pending.AsSpan(_pendingLength));
        }

        Append(headers[..length]);
        if (Chunked && size == 0)
        {
            Append(ChunkFraming.ChunkEnd);
        }
    }

    // The two zero blocks that end a tar, and the last chunk.
    private void AppendEnd()
    {
        Reserve(ChunkFraming.MaxSizeLineLength + TarHeader.EndOfArchiveLength + 2 + ChunkFraming.LastChunk.Length);
        if (Chunked)
        {
            _pendingLength += ChunkFraming.WriteSizeLine(TarHeader.EndOfArchiveLength, _pending.AsSpan(_pendingLength));
        }

        _pending.AsSpan(_pendingLength, TarHeader.EndOfArchiveLength).Clear();
        _pendingLength += TarHeader.EndOfArchiveLength;
        if (Chunked)
        {
            Append(ChunkFraming.ChunkEnd);
            Append(ChunkFraming.LastChunk);
        }
    }

    private void Append(ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(_pending.AsSpan(_pendingLength));
        _pendingLength += bytes.Length;
    }

    // Room for count more bytes; the buffer grows past FlushThreshold only by one member's
    // headers (names are bounded by PATH_MAX below the root and MaxDepth levels).
    private void Reserve(int count)
    {
        if (_pendingLength + count > _pending.Length)
        {
            byte[] bigger = ArrayPool<byte>.Shared.Rent(_pendingLength + count);
            _pending.AsSpan(0, _pendingLength).CopyTo(bigger);
            ArrayPool<byte>.Shared.Return(_pending);
            _pending = bigger;
        }

        _counters.Pending(_pendingLength + count);
    }

    private void CloseFile()
    {
        if (_hasFile)
        {
            _hasFile = false;
            _body.Clear();
            _file.Release();
            _file = default;
            _counters.FileClosed();
        }
    }

    // Whole seconds, rounded down (a negative time too).
    private static long Seconds(long nanoseconds) => Math.DivRem(nanoseconds, 1_000_000_000L) is var (q, r) && r < 0 ? q - 1 : q;

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        CloseFile();
        while (_frames.TryPop(out Frame? frame))
        {
            frame.Dispose();
            _counters.DirectoryClosed();
        }

        if (!_started)
        {
            _top.Release();
        }

        ArrayPool<byte>.Shared.Return(_pending);
        ArrayPool<byte>.Shared.Return(_scratch);
    }

    // One level of the walk: the open directory, its names still to read, where it is.
    private sealed class Frame(FileRef directory, IEnumerator<(string Name, bool IsLink)> names, string relative, string archiveName) : IDisposable
    {
        public FileRef Directory { get; } = directory;

        public IEnumerator<(string Name, bool IsLink)> Names { get; } = names;

        // Below the server's root (what the handler opens).
        public string Relative { get; } = relative;

        // In the archive, with a trailing '/'.
        public string ArchiveName { get; } = archiveName;

        public long ModifiedSeconds => Seconds(Directory.Metadata.ModifiedUnixNanoseconds);

        public void Dispose()
        {
            Names.Dispose();
            Directory.Release();
        }
    }
}
