using System.Net;
using System.Net.Sockets;
using Sluice.Server.Configuration;
using Sluice.Server.Logging;
using Sluice.Server.Uploads.Tus;

namespace Sluice.Server.Hosting;

public sealed partial class SluiceServer
{
    // Resumable uploads (tus on /-/uploads/) when --upload is on; null otherwise. Disposed (its
    // expiry sweeper) with the server.
    public TusService? Tus { get; }

    // Blocking (creates the staging directory, reloads its uploads): at construction, before serving.
    // A root without a default staging place ("/") was refused by ServerOptions.Validate.
    private TusService StartTus(ServerOptions options, IServerLog log) =>
        TusService.Start(options, _root, _disk, options.Uploads!.MaxUploadSize, log);

    // --host is checked by UploadOptions.Validate; sockets a service manager passed in are checked
    // here: uploads without credentials only where nobody but this machine can connect.
    private void RefuseAnonymousUploadsOnInherited(Socket[] inherited)
    {
        if (Uploads is null || Auth is not null)
        {
            return;
        }

        foreach (Socket listener in inherited)
        {
            if (listener.LocalEndPoint is IPEndPoint { Address: var bound } endpoint && !IPAddress.IsLoopback(bound))
            {
                foreach (Socket s in inherited)
                {
                    s.Dispose();
                }

                throw new InvalidOperationException(
                    $"socket activation: refusing --upload without --auth/--auth-file on the inherited listener {endpoint}");
            }
        }
    }
}
