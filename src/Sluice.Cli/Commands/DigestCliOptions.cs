using System.CommandLine;
using Sluice.Server.Configuration;

namespace Sluice.Cli.Commands;

// The Repr-Digest options of `sluice serve` (README "Digests"), bound onto ServerOptions.
internal sealed class DigestCliOptions
{
    private readonly Option<bool> _off = new("--no-repr-digest")
    {
        Description = "Never send Repr-Digest (RFC 9530). By default a client that sends Want-Repr-Digest: sha-256=N gets the file's SHA-256 once it has been computed in the background (the first such request is answered without it).",
    };

    private readonly Option<bool> _xattr = new("--digest-xattr")
    {
        Description = "Store computed digests in the user.sluice.sha256 extended attribute of each file (with its size and mtime), so a restart does not hash again. Off by default: the tree is never written to.",
    };

    public void AddTo(Command command)
    {
        command.Options.Add(_off);
        command.Options.Add(_xattr);
    }

    public ServerOptions Bind(ParseResult parse, ServerOptions options) => options with
    {
        ReprDigest = !parse.GetValue(_off),
        DigestXattr = parse.GetValue(_xattr),
    };
}
