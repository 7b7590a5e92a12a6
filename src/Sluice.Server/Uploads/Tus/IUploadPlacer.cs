namespace Sluice.Server.Uploads.Tus;

// Puts a completed staged file under its name in the served tree, atomically: a reader sees the old
// file or the whole new one, never a partial one, and a failure leaves nothing under the name.
// A seam so that the tus handler and PUT's AtomicFileWriter (h3, src/Sluice.Server/Uploads/) can be
// unified after the merge: both need the same confinement, create-only and errno → status rules.
// Blocking: called through the disk engine only.
public interface IUploadPlacer
{
    // At creation, so a client learns early: is the parent a directory beneath the root reached
    // without symlinks, and (create-only) is the name still free?
    PlacementStatus Check(string target, bool ifNoneMatch);

    // Moves stagedPath (a fsynced file in the staging directory) to target; on success the name and
    // its directory are durable.
    PlacementStatus Place(string stagedPath, string target, bool ifNoneMatch);
}
