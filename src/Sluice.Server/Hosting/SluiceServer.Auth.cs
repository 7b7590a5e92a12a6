namespace Sluice.Server.Hosting;

public sealed partial class SluiceServer
{
    // SIGHUP with --auth-file: re-read the credentials; a broken file keeps the current ones
    // (one warning line). False when nothing was reloaded.
    public bool ReloadAuthFile()
    {
        if (Auth is null || Options.Auth?.File is not string file)
        {
            return false;
        }

        int before = Auth.UserCount;
        if (Auth.TryReload(Options.Auth, out string error))
        {
            Log.Info($"access control: reloaded {file}, {Auth.UserCount} user(s)");
            return true;
        }

        Log.Warn($"access control: reload of {file} failed, keeping the current {before} user(s): {error}");
        return false;
    }
}
