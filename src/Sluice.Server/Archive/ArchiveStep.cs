namespace Sluice.Server.Archive;

// What the connection does next with a TarStream (see TarStream's design note).
public enum ArchiveStep : byte
{
    // Send Body: the buffered header bytes as its preamble, then the member file's bytes.
    File,
    // Send the buffered header bytes alone (they reached the flush threshold).
    Flush,
    // Send the buffered bytes, which end the archive (and the chunked body); nothing follows.
    End,
}
