using System.Net;
using System.Net.Sockets;

namespace Sluice.Server.Hosting;

public sealed partial class SluiceServer
{
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
