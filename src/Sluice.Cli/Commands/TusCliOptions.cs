using System.CommandLine;
using Sluice.Core.Units;
using Sluice.Server.Configuration;

namespace Sluice.Cli.Commands;

// The resumable-upload (tus) options of `sluice serve`, bound onto ServerOptions. Validation is
// ServerOptions.Validate's (staging never inside the served tree).
internal sealed class TusCliOptions
{
    private readonly Option<string?> _staging = new("--upload-staging")
    {
        Description = "Directory for the bytes of unfinished resumable uploads (tus); never inside DIR. Default: .<DIR name>.sluice-staging beside DIR (same file system, so completing an upload is a rename).",
        HelpName = "dir",
    };

    private readonly Option<double> _expiry = new("--upload-expiry")
    {
        Description = "Hours an unfinished resumable upload is kept from its creation; then its staged bytes are deleted.",
        DefaultValueFactory = _ => 24,
        HelpName = "hours",
    };

    private readonly Option<string> _quota = new("--upload-staging-quota")
    {
        Description = "Bytes all unfinished resumable uploads may reserve together (each reserves its Upload-Length when created; 0 = no cap beyond free space).",
        DefaultValueFactory = _ => "0",
    };

    public TusCliOptions()
    {
        CliValues.Number(_expiry, "a number of hours such as 24");
        CliValues.Size(_quota, "0");
    }

    public void AddTo(Command command)
    {
        command.Options.Add(_staging);
        command.Options.Add(_expiry);
        command.Options.Add(_quota);
    }

    public ServerOptions Bind(ParseResult parse, ServerOptions options) => options with
    {
        UploadStaging = parse.GetValue(_staging) is string staging ? Path.GetFullPath(staging) : null,
        UploadExpiry = TimeSpan.FromHours(parse.GetValue(_expiry)),
        // CliValues.Size has already refused anything ByteSize cannot parse.
        UploadStagingQuota = ByteSize.TryParse(parse.GetValue(_quota)!, out long quota) ? quota : 0,
    };
}
