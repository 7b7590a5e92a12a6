using System.Diagnostics;
using System.Globalization;
using Sluice.Server.Tests.Infrastructure;
using Sluice.Soak.Infrastructure;
using Xunit.Abstractions;

namespace Sluice.Soak;

// The threading rule, judged end to end (issue 9, "Tests"): threads that serve sockets never wait on
// the disk. The real `sluice serve` (inline socket completions on, as the CLI sets them) serves a
// real slow disk; cold transfers are started on enough connections to occupy every socket event
// thread and every disk thread — large bodies, small ones (the copy path), a listing (a statx per
// entry) and a never-opened nested path (cold lookups) — and while they stall for seconds, fresh
// connections ask for a warm 4 KiB file. Each answer must arrive within 50 ms: far above a warm hit
// (well under a millisecond) and far below a cold read at 1 MiB/s (seconds), so this is a bounded
// wait, not a benchmark. Then the throttle is lifted and every cold body must arrive byte-exact.
[Trait("Category", "Soak")]
[Trait("Category", "SlowDisk")]
public sealed class SlowDiskTests(SlowDiskTree tree, ITestOutputHelper output) : IClassFixture<SlowDiskTree>
{
    private const long ThrottleBytesPerSecond = 1024 * 1024;
    private const int Probes = 20;

    private static readonly TimeSpan s_warmBound = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan s_probeInterval = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan s_probeTimeout = TimeSpan.FromSeconds(5);

    // A stalled server must not make the case last minutes: probing stops after this.
    private static readonly TimeSpan s_probePhaseBound = TimeSpan.FromSeconds(12);

    // Time for the cold requests to reach the disk before the first probe.
    private static readonly TimeSpan s_settle = TimeSpan.FromMilliseconds(500);

    // From the first cold request to the last byte, throttle lifted half-way: 384 MiB unthrottled
    // from an image the host has cached takes seconds.
    private static readonly TimeSpan s_coldBound = TimeSpan.FromSeconds(60);

    public static TheoryData<string, string> Cases
    {
        get
        {
            var cases = new TheoryData<string, string>();
            foreach (string strategy in Strategies.All)
            {
                foreach (string engine in IoEngines.All)
                {
                    cases.Add(strategy, engine);
                }
            }

            return cases;
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task AWarmFileIsAnsweredWhileColdReadsStall(string strategy, string engine)
    {
        SlowDisk disk = tree.Disk;
        await disk.RemountAsync();
        disk.ThrottleReads(ThrottleBytesPerSecond);
        try
        {
            await using SoakServer server = await SoakServer.StartUnderAsync(
                disk.Launcher, disk.MountPoint, ["--strategy", strategy, .. IoEngines.Arguments(engine)]);
            string cgroup = File.ReadAllText($"/proc/{server.Pid}/cgroup");
            Assert.True(cgroup.Contains($":blkio:/{Path.GetFileName(disk.Cgroup)}\n", StringComparison.Ordinal), $"the server is not in the throttled group:\n{cgroup}");

            // The warm file: its lookup, inode and pages come from the slow disk once, here, and
            // the second request proves it is served. A dontcache read drops the pages it brought
            // in, so the server cannot warm a file for itself under --strategy dontcache: the test
            // reads it once (this process is not throttled), as any other reader of the tree would.
            if (strategy == "dontcache")
            {
                Assert.Equal(tree.Checksum(SlowDiskTree.Hot), Fixtures.Sha256(File.ReadAllBytes(Path.Combine(disk.MountPoint, SlowDiskTree.Hot.TrimStart('/')))));
            }

            for (int i = 0; i < 2; i++)
            {
                RawResponse warm = await server.GetAsync(SlowDiskTree.Hot, TimeSpan.FromSeconds(30));
                Assert.Equal(200, warm.Status);
                Assert.Equal(tree.Checksum(SlowDiskTree.Hot), Fixtures.Sha256(warm.Body));
            }

            // Bodies first: they fill the disk queue (and, for the strategies that read on them,
            // the socket threads and the disk threads).
            var cold = new List<StreamingDownload>();
            foreach (string target in SlowDiskTree.Large.Concat(SlowDiskTree.Small))
            {
                cold.Add(await StreamingDownload.StartAsync(server.Port, target, s_coldBound));
            }

            await Task.Delay(s_settle);

            // A core to spare before probing (see CpuQuiet): CPU contention is not what this measures.
            double idleBefore = await CpuQuiet.WaitAsync(0.5, TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(120));

            // Metadata is asked for while probing, once the throttled disk is already busy, so that a
            // lookup or listing done on a socket thread stalls it while the probes run instead of
            // finishing before they start.
            (long, long) cpuBefore = CpuQuiet.Read();
            // The latencies are measured in this process: a collection of the test host's own heap
            // (it has run the whole soak suite) would be charged to the server. No GC while probing,
            // where the runtime grants it (the probes allocate far less than the budget).
            bool noGc = TryStartNoGcRegion();
            IReadOnlyList<Probe> probes;
            try
            {
                probes = await ProbeAsync(server, strategy, new Dictionary<int, string>
                {
                    [3] = SlowDiskTree.Listing,
                    [8] = SlowDiskTree.NeverOpened,
                }, cold);
            }
            finally
            {
                if (noGc && System.Runtime.GCSettings.LatencyMode == System.Runtime.GCLatencyMode.NoGCRegion)
                {
                    GC.EndNoGCRegion();
                }
            }

            string progress = string.Join("; ", cold.Select(d => d.ToString()));
            int largeFinishedThrottled = cold.Count(d => d.Target.StartsWith("/large-", StringComparison.Ordinal) && d.IsComplete);

            disk.LiftThrottle();
            await Task.WhenAll(cold.Select(d => d.Completion));

            var failures = new List<string>();
            failures.AddRange(CheckColdBodies(cold));

            // The disk really was slow: at the throttled rate no large cold body can finish within
            // the probing window; if one did, the throttle missed the server and this run proves nothing.
            if (largeFinishedThrottled > 0)
            {
                failures.Add($"{largeFinishedThrottled} large cold transfers finished while the disk was throttled to {ThrottleBytesPerSecond} B/s: the disk is not slow");
            }

            string distribution = Describe(probes)
                + $"; machine CPU idle {CpuQuiet.IdleShare(cpuBefore, CpuQuiet.Read()):P0} while probing ({idleBefore:P0} just before)";
            output.WriteLine($"{strategy}/{engine}: {distribution}");
            output.WriteLine($"cold transfers when probing ended: {progress}");
            Probe worst = probes.MaxBy(p => p.Elapsed)!;
            if (probes.Count < Probes || worst.Elapsed >= s_warmBound || probes.Any(p => p.Error is not null))
            {
                failures.Add(
                    $"a warm {SlowDiskTree.Hot} waited on the disk: {probes.Count(p => p.Elapsed >= s_warmBound || p.Error is not null)} of {probes.Count} answers "
                    + $"(of {Probes} planned) took {s_warmBound.TotalMilliseconds} ms or more; {distribution}; worst: {worst}; cold transfers when probing ended: {progress}");
            }

            Assert.True(failures.Count == 0, $"{strategy}/{engine}:\n" + string.Join("\n", failures) + $"\nserver stderr: {server.StderrTail()}");
        }
        finally
        {
            disk.LiftThrottle();
        }
    }

    // Probes on fresh connections, one every 100 ms: each new connection lands on the next socket
    // event thread, so a stall on any of them is seen. A forced `direct` reads every body with
    // O_DIRECT, which never comes from the page cache, so there the warm request is a HEAD
    // (lookup, statx and head only: all cached); every other strategy GETs the body.
    // coldAt: cold requests to send just before the probe of that index (added to `cold`).
    private static async Task<IReadOnlyList<Probe>> ProbeAsync(SoakServer server, string strategy, IReadOnlyDictionary<int, string> coldAt, List<StreamingDownload> cold)
    {
        bool head = strategy == "direct";
        string request = $"{(head ? "HEAD" : "GET")} {SlowDiskTree.Hot} HTTP/1.1\r\nHost: slowdisk\r\nConnection: close\r\n\r\n";
        var probes = new List<Probe>();
        var phase = Stopwatch.StartNew();
        for (int i = 0; i < Probes && phase.Elapsed < s_probePhaseBound; i++)
        {
            TimeSpan due = s_probeInterval * i;
            if (phase.Elapsed < due)
            {
                await Task.Delay(due - phase.Elapsed);
            }

            if (coldAt.TryGetValue(i, out string? target))
            {
                cold.Add(await StreamingDownload.StartAsync(server.Port, target, s_coldBound));
            }

            var clock = Stopwatch.StartNew();
            string? error = null;
            try
            {
                await using RawHttpConnection connection = await server.ConnectAsync();
                await connection.SendAsync(request);
                RawResponse response = await connection.ReadResponseAsync(isHead: head, timeout: s_probeTimeout);
                if (response.Status != 200)
                {
                    error = $"status {response.Status}";
                }
            }
            catch (Exception ex) when (ex is TimeoutException or IOException or System.Net.Sockets.SocketException)
            {
                error = ex.Message;
            }

            probes.Add(new Probe(phase.Elapsed, clock.Elapsed, error));
        }

        // Probing stopped early (a stalled server): the cold requests not yet sent still go, so
        // that their bodies are checked too.
        foreach ((int at, string target) in coldAt)
        {
            if (at >= probes.Count)
            {
                cold.Add(await StreamingDownload.StartAsync(server.Port, target, s_coldBound));
            }
        }

        return probes;
    }

    private IEnumerable<string> CheckColdBodies(IEnumerable<StreamingDownload> cold)
    {
        foreach (StreamingDownload download in cold)
        {
            if (download.Status != 200 || download.Error is not null || !download.IsComplete)
            {
                yield return $"cold {download} did not complete after the throttle was lifted";
            }
            else if (download.Target == SlowDiskTree.Listing)
            {
                string listing = System.Text.Encoding.UTF8.GetString(download.Body!);
                int listed = Enumerable.Range(0, SlowDiskTree.ListingEntries).Count(i => listing.Contains($"entry-{i:D4}.txt", StringComparison.Ordinal));
                if (listed != SlowDiskTree.ListingPageEntries)
                {
                    yield return $"the cold listing's first page names {listed} entries, not {SlowDiskTree.ListingPageEntries}";
                }
            }
            else if (download.Sha256 != tree.Checksum(download.Target))
            {
                yield return $"cold {download.Target} arrived with SHA-256 {download.Sha256}, the file's is {tree.Checksum(download.Target)}";
            }
        }
    }

    private static string Describe(IReadOnlyList<Probe> probes)
    {
        double[] ms = probes.Select(p => p.Elapsed.TotalMilliseconds).Order().ToArray();
        string At(double q) => ms[Math.Min(ms.Length - 1, (int)(q * ms.Length))].ToString("F1", CultureInfo.InvariantCulture);
        return $"{ms.Length} warm answers, ms: min {At(0)}, p50 {At(0.5)}, p90 {At(0.9)}, max {ms[^1].ToString("F1", CultureInfo.InvariantCulture)}; "
            + $"in order sent: [{string.Join(", ", probes.Select(p => p.Elapsed.TotalMilliseconds.ToString("F1", CultureInfo.InvariantCulture) + (p.Error is null ? "" : "!")))}]";
    }

    private sealed record Probe(TimeSpan SentAt, TimeSpan Elapsed, string? Error)
    {
        public override string ToString() =>
            $"{Elapsed.TotalMilliseconds:F1} ms, sent at +{SentAt.TotalMilliseconds:F0} ms{(Error is null ? "" : ", " + Error)}";
    }

    private static bool TryStartNoGcRegion()
    {
        try
        {
            return GC.TryStartNoGCRegion(32L * 1024 * 1024);
        }
        catch (InvalidOperationException)
        {
            return false; // already in one
        }
    }
}
