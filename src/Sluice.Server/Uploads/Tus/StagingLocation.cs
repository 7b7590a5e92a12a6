namespace Sluice.Server.Uploads.Tus;

// Where staged uploads live. Default: beside the served root, "<parent>/.<rootname>.sluice-staging"
// — outside the served tree (never served, not even with --dotfiles), and most likely on the same
// file system as the root, so completing an upload is a rename rather than a copy. A root that is
// "/" has no parent: then the staging directory must be given.
public static class StagingLocation
{
    public static string? DefaultFor(string root)
    {
        string full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(root));
        string? parent = Path.GetDirectoryName(full);
        string name = Path.GetFileName(full);
        return parent is null || name.Length == 0 ? null : Path.Combine(parent, "." + name + ".sluice-staging");
    }

    // True when staging would be inside the served tree (or be the root itself), where its files
    // could be downloaded by anyone who can read the tree. Symlinks are resolved on the existing
    // part of each path, so a link into the root is caught too.
    public static bool IsInside(string staging, string root)
    {
        string stagingFull = Resolve(staging);
        string rootFull = Resolve(root);
        return stagingFull == rootFull || stagingFull.StartsWith(rootFull + "/", StringComparison.Ordinal) || rootFull == "/";
    }

    private static string Resolve(string path)
    {
        string full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(path));
        // Resolve the deepest existing ancestor's symlinks; the rest does not exist yet.
        string existing = full;
        string suffix = "";
        while (!Directory.Exists(existing) && Path.GetDirectoryName(existing) is string up)
        {
            suffix = "/" + Path.GetFileName(existing) + suffix;
            existing = up;
        }

        return Path.TrimEndingDirectorySeparator(RealPath(existing)) + suffix;
    }

    // Every component's symlinks, not only the last one's (DirectoryInfo resolves only the last).
    private static string RealPath(string directory)
    {
        string current = "/";
        foreach (string part in directory.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            string next = Path.Combine(current, part);
            var info = new DirectoryInfo(next);
            if (info.LinkTarget is not null)
            {
                next = info.ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? next;
                next = RealPath(next);
            }

            current = next;
        }

        return current;
    }
}
