using Microsoft.Win32.SafeHandles;
using Sluice.Server.Configuration;
using Sluice.Server.Disk;
using Sluice.Server.Logging;

namespace Sluice.Server.Uploads.Tus;

// Everything resumable uploads need at run time, built once at start when uploads are on: the
// staging store (reloaded from disk, so uploads survive a restart), the placer, the handler and the
// expiry sweeper. SluiceServer creates it when --upload is on (SluiceServer.Uploads.cs) and
// disposes it (the sweeper's timer) at shutdown; the connection hands every request that
// TusHandler.Matches to Handler.HandleAsync (Http1Connection.Body.cs).
public sealed class TusService : IDisposable
{
    private readonly TusExpirySweeper _sweeper;

    private TusService(TusStagingStore store, TusHandler handler, TusExpirySweeper sweeper)
    {
        Store = store;
        Handler = handler;
        _sweeper = sweeper;
    }

    public TusStagingStore Store { get; }

    public TusHandler Handler { get; }

    // Blocking (creates and reads the staging directory): call at start, before serving.
    public static TusService Start(ServerOptions options, SafeFileHandle root, IDiskEngine disk, long maxUploadSize, IServerLog log, TimeProvider? time = null)
    {
        time ??= TimeProvider.System;
        string staging = options.UploadStaging ?? StagingLocation.DefaultFor(options.Root)
            ?? throw new ArgumentException("the served root has no parent directory: give --upload-staging", nameof(options));
        if (StagingLocation.IsInside(staging, options.Root))
        {
            throw new ArgumentException($"--upload-staging '{staging}' is inside the served directory", nameof(options));
        }

        var store = new TusStagingStore(staging, options.UploadExpiry, options.UploadStagingQuota, time);
        store.Load();
        var settings = new TusSettings(store.Directory, options.UploadExpiry, maxUploadSize, options.UploadStagingQuota, options.ServeDotfiles);
        var handler = new TusHandler(store, new RenamePlacer(root), disk, settings);
        var sweeper = new TusExpirySweeper(store, TusExpirySweeper.PeriodFor(options.UploadExpiry), time, e => log.Warn($"resumable uploads: expiry sweep failed: {e.Message}"));
        log.Info($"resumable uploads (tus 1.0.0) on /-/uploads/: staging {store.Directory}, {store.Count} upload(s) reloaded, expiry {options.UploadExpiry}");
        return new TusService(store, handler, sweeper);
    }

    public void Dispose() => _sweeper.Dispose();
}
