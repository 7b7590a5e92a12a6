using SharpFuzz;
using Sluice.Fuzz;

// Sluice.Fuzz TARGET               under afl-fuzz: SharpFuzz's fork server, one input per run on stdin
// Sluice.Fuzz TARGET PATH...       replay files (or every file of a directory) through target and oracle
// fuzz/run.sh drives the first form with an instrumented Sluice.Core; the second form is for crash
// files and runs on the ordinary build (an instrumented Sluice.Core needs the fork server's trace map).
if (args.Length == 0 || FuzzTarget.All.FirstOrDefault(t => t.Name == args[0]) is not FuzzTarget target)
{
    Console.Error.WriteLine($"usage: Sluice.Fuzz TARGET [FILE|DIR ...]   (targets: {string.Join(", ", FuzzTarget.All.Select(t => t.Name))})");
    return 2;
}

if (args.Length == 1)
{
    var buffer = new MemoryStream();
    Fuzzer.Run(stream =>
    {
        buffer.SetLength(0);
        stream.CopyTo(buffer);
        target.Check(buffer.ToArray());
    });
    return 0;
}

int failures = 0;
foreach (string file in args.Skip(1).SelectMany(InputFiles))
{
    try
    {
        target.Check(File.ReadAllBytes(file));
        Console.WriteLine($"ok        {file}");
    }
    catch (Exception e)
    {
        failures++;
        Console.WriteLine($"FAILED    {file}: {e.GetType().Name}: {e.Message}");
        if (e is not OracleMismatchException)
        {
            Console.WriteLine(e.StackTrace);
        }
    }
}

return failures == 0 ? 0 : 1;

// AFL writes a README.txt beside the crash files it saves.
static IEnumerable<string> InputFiles(string path) => Directory.Exists(path)
    ? Directory.EnumerateFiles(path).Where(f => Path.GetFileName(f) != "README.txt").Order(StringComparer.Ordinal)
    : [path];
