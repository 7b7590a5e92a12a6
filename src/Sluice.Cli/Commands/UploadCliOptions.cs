using System.CommandLine;
using Sluice.Core.Units;
using Sluice.Server.Configuration;

namespace Sluice.Cli.Commands;

// The upload options of `sluice serve`, bound to UploadOptions (null without --upload).
// Validation is UploadOptions.Validate's.
internal sealed class UploadCliOptions
{
    private readonly Option<bool> _upload = new("--upload") { Description = "Accept PUT, DELETE and MKCOL (off by default). Without --auth/--auth-file only on a loopback --host and without --trusted-proxy." };

    private readonly Option<string> _maxSize = new("--max-upload-size") { Description = "Largest upload; larger ones get 413 before their body is read.", DefaultValueFactory = _ => "8GiB" };

    private readonly Option<string> _reserve = new("--upload-reserve") { Description = "Free space an upload must leave on the file system, else 507.", DefaultValueFactory = _ => "64MiB" };

    private readonly Option<string> _mode = new("--upload-mode") { Description = "Octal permission bits of uploaded files, before the process umask.", DefaultValueFactory = _ => "644" };

    private readonly Option<double> _bodyTimeout = new("--body-timeout") { Description = "Seconds a request body may go without a byte arriving.", DefaultValueFactory = _ => 30 };

    private readonly Option<long> _minReceiveRate = new("--min-receive-rate") { Description = "Bytes per second a request body must at least arrive at, after 5 s (0 = off).", DefaultValueFactory = _ => 240 };

    public UploadCliOptions()
    {
        CliValues.Size(_maxSize, "8GiB");
        CliValues.Size(_reserve, "64MiB");
        CliValues.Number(_bodyTimeout, "a number of seconds such as 30");
        CliValues.Number(_minReceiveRate, "a whole number of bytes per second such as 240 (0 = off)");
        _mode.Validators.Add(result =>
        {
            string text = result.GetValueOrDefault<string>() ?? "";
            if (!TryParseMode(text, out _))
            {
                result.AddError($"--upload-mode takes octal permission bits such as 644 or 600, not '{text}'");
            }
        });
    }

    public void AddTo(Command command)
    {
        command.Options.Add(_upload);
        command.Options.Add(_maxSize);
        command.Options.Add(_reserve);
        command.Options.Add(_mode);
        command.Options.Add(_bodyTimeout);
        command.Options.Add(_minReceiveRate);
    }

    public UploadOptions? Bind(ParseResult parse)
    {
        if (!parse.GetValue(_upload))
        {
            return null;
        }

        ByteSize.TryParse(parse.GetValue(_maxSize)!, out long maxSize);
        ByteSize.TryParse(parse.GetValue(_reserve)!, out long reserve);
        TryParseMode(parse.GetValue(_mode)!, out int mode);
        return new UploadOptions
        {
            MaxUploadSize = maxSize,
            Reserve = reserve,
            FileMode = mode,
            BodyTimeout = TimeSpan.FromSeconds(parse.GetValue(_bodyTimeout)),
            MinReceiveRate = parse.GetValue(_minReceiveRate),
        };
    }

    private static bool TryParseMode(string text, out int mode)
    {
        mode = 0;
        if (text.Length is 0 or > 4 || text.Any(c => c is < '0' or > '7'))
        {
            return false;
        }

        mode = Convert.ToInt32(text, 8);
        return mode <= 0x1FF;
    }
}
