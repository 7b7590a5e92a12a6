using System.Diagnostics;
using System.Globalization;

namespace Sluice.Soak.Infrastructure;

// A real slow disk: an ext4 image on a loop device, mounted on a fresh directory, whose reads are
// throttled by a cgroup v1 blkio group that the server process runs in.
//
// Why this shape: blk-throttle charges a bio to the cgroup of the task that submits it, and every
// thread of the server submits its own (socket event threads, the disk engine's threads, io_uring's
// io-wq workers, which are threads of the process and inherit its cgroup; the loop device's own
// worker sits below the throttled queue and does not matter). Measured here (Linux 6.18, 1 MiB/s on
// the loop device, from a child group): a 4 MiB cold dd takes 5.0 s, O_DIRECT 2 MiB 2.0 s, fio
// io_uring O_DIRECT 2 MiB 2.0 s, fio io_uring buffered with IOSQE_ASYNC (io-wq) 2.8 s; the same
// reads warm, or from a process outside the group, take milliseconds. Unmounting and mounting again
// drops every page, dentry and inode of the filesystem: after Remount everything is cold, metadata
// included.
//
// Everything lives under a name carrying this process's id (image directory, cgroup), so a run
// killed half-way is cleaned by the next one (its owner is gone) without touching a concurrent
// run's disk. Where the machine cannot do this (not root, no loop devices, no blkio controller),
// InitializeAsync throws with what is missing: the tests fail, they do not skip.
public sealed class SlowDisk : IAsyncLifetime
{
    private const string Prefix = "sluice-slowdisk-";
    private const string BlkioRoot = "/sys/fs/cgroup/blkio";
    private const long ImageBytes = 512L * 1024 * 1024;

    private static readonly TimeSpan s_commandTimeout = TimeSpan.FromSeconds(60);

    private readonly string _name = Prefix + Environment.ProcessId.ToString(CultureInfo.InvariantCulture) + "-" + Guid.NewGuid().ToString("N")[..8];
    private string? _loopDevice;
    private bool _mounted;
    private bool _cgroupCreated;

    public string Directory => Path.Combine("/var/tmp", _name);

    public string MountPoint => Path.Combine(Directory, "mnt");

    public string Cgroup => Path.Combine(BlkioRoot, _name);

    // "MAJ:MIN" of the loop device, as blkio.throttle.* files want it.
    public string DeviceNumbers { get; private set; } = "";

    // Runs sluice inside the throttled group from its first instruction: the shell moves itself into
    // the group and execs the server, so every thread the runtime ever creates is in it and the
    // process id stays sluice's own. The inline-completions variable is unset so that the CLI
    // decides it as it does in production (it turns inline completions on).
    public IReadOnlyList<string> Launcher =>
        ["sh", "-c", $"echo $$ > {Cgroup}/cgroup.procs && unset DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS && exec \"$@\"", "sh"];

    public string File(string name) => Path.Combine(MountPoint, name);

    public async Task InitializeAsync()
    {
        RequireMachine();
        await RemoveStaleAsync();

        System.IO.Directory.CreateDirectory(MountPoint);
        string image = Path.Combine(Directory, "disk.img");
        using (var stream = new FileStream(image, FileMode.CreateNew, FileAccess.Write))
        {
            // Sparse: blocks are allocated as the fixtures are written.
            stream.SetLength(ImageBytes);
        }

        (int exit, string stdout, string stderr) = await RunAsync("losetup", "--find", "--show", image);
        Require(exit == 0, $"`losetup --find --show {image}` failed ({exit}): {stderr.Trim()} — the machine needs free loop devices (/dev/loop*, loop module)");
        _loopDevice = stdout.Trim();
        DeviceNumbers = System.IO.File.ReadAllText($"/sys/block/{Path.GetFileName(_loopDevice)}/dev").Trim();

        await MustRunAsync("mkfs.ext4", "-q", "-F", _loopDevice);
        await MountAsync();

        System.IO.Directory.CreateDirectory(Cgroup);
        _cgroupCreated = true;
    }

    // Idempotent, and undoes whatever part of InitializeAsync ran.
    public async Task DisposeAsync()
    {
        var problems = new List<string>();
        if (_mounted)
        {
            problems.AddRange(await UnmountAsync(MountPoint));
            _mounted = problems.Count > 0;
        }

        if (_loopDevice is not null)
        {
            (int exit, _, string stderr) = await RunAsync("losetup", "-d", _loopDevice);
            if (exit != 0)
            {
                problems.Add($"losetup -d {_loopDevice}: {stderr.Trim()}");
            }

            _loopDevice = null;
        }

        if (_cgroupCreated)
        {
            if (!await RemoveCgroupAsync(Cgroup))
            {
                problems.Add($"rmdir {Cgroup} failed: it still holds {System.IO.File.ReadAllText(Path.Combine(Cgroup, "cgroup.procs")).Trim()}");
            }

            _cgroupCreated = false;
        }

        if (problems.Count == 0 && System.IO.Directory.Exists(Directory))
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }

        Assert.True(problems.Count == 0, "the slow disk was not fully undone: " + string.Join("; ", problems));
    }

    // Unmount and mount again: every page, dentry and inode of the filesystem is dropped, so the
    // next request for anything on it (a body, a lookup, a listing) goes to the device. Call it with
    // no server running (a process holding the mount open makes umount fail).
    // A server that exited with io_uring reads in flight leaves the ring's teardown to a kernel
    // worker, which holds the files open until those reads are done (seconds after the throttle is
    // lifted, under load): umount is retried for a bounded time while it answers "busy".
    public async Task RemountAsync()
    {
        string[] problems = await UnmountAsync(MountPoint);
        long giveUp = Environment.TickCount64 + 30_000;
        while (problems.Length > 0 && Environment.TickCount64 < giveUp)
        {
            await Task.Delay(250);
            problems = await UnmountAsync(MountPoint);
        }

        Assert.True(problems.Length == 0, string.Join("; ", problems));
        _mounted = false;
        await MountAsync();
    }

    // Bytes per second every process in the group may read from the loop device.
    public void ThrottleReads(long bytesPerSecond) =>
        System.IO.File.WriteAllText(Path.Combine(Cgroup, "blkio.throttle.read_bps_device"), $"{DeviceNumbers} {bytesPerSecond}");

    // 0 removes the rule; bios already queued by the throttle are released at once.
    public void LiftThrottle() => ThrottleReads(0);

    private async Task MountAsync()
    {
        await MustRunAsync("mount", _loopDevice!, MountPoint);
        _mounted = true;
    }

    private static void RequireMachine()
    {
        string uid = System.IO.File.ReadLines("/proc/self/status").First(l => l.StartsWith("Uid:", StringComparison.Ordinal)).Split('\t', StringSplitOptions.RemoveEmptyEntries)[2];
        Require(uid == "0", $"the slow-disk test needs root (losetup, mount, cgroup files); it runs with effective uid {uid}");
        Require(
            System.IO.File.Exists(Path.Combine(BlkioRoot, "blkio.throttle.read_bps_device")),
            $"no cgroup v1 blkio controller with throttling at {BlkioRoot} (blkio.throttle.read_bps_device is missing; a cgroup-v2-only machine cannot run this test)");
        foreach (string tool in (string[])["losetup", "mkfs.ext4", "mount", "umount"])
        {
            Require(
                (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Any(d => System.IO.File.Exists(Path.Combine(d, tool))),
                $"`{tool}` is not on PATH (util-linux, e2fsprogs)");
        }
    }

    // Leftovers of runs whose process is gone: unmount, detach, delete the image, remove the group.
    // A run that is still alive (another test process on this machine) keeps its own.
    private static async Task RemoveStaleAsync()
    {
        foreach (string directory in System.IO.Directory.GetDirectories("/var/tmp", Prefix + "*"))
        {
            if (OwnerIsAlive(directory))
            {
                continue;
            }

            string mountPoint = Path.Combine(directory, "mnt");
            if (IsMounted(mountPoint))
            {
                await UnmountAsync(mountPoint, lazyIfBusy: true);
            }

            string image = Path.Combine(directory, "disk.img");
            (_, string attached, _) = await RunAsync("losetup", "-j", image);
            foreach (string line in attached.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                await RunAsync("losetup", "-d", line[..line.IndexOf(':', StringComparison.Ordinal)]);
            }

            System.IO.Directory.Delete(directory, recursive: true);
        }

        foreach (string group in System.IO.Directory.GetDirectories(BlkioRoot, Prefix + "*"))
        {
            if (!OwnerIsAlive(group))
            {
                // A server orphaned by a killed run may still sit in it: move it out (it is not
                // ours to end), then the group can go.
                foreach (string pid in System.IO.File.ReadAllLines(Path.Combine(group, "cgroup.procs")))
                {
                    TryWrite(Path.Combine(BlkioRoot, "cgroup.procs"), pid);
                }

                await RemoveCgroupAsync(group);
            }
        }
    }

    private static bool OwnerIsAlive(string path)
    {
        string rest = Path.GetFileName(path)[Prefix.Length..];
        int dash = rest.IndexOf('-', StringComparison.Ordinal);
        return dash > 0 && int.TryParse(rest[..dash], NumberStyles.None, CultureInfo.InvariantCulture, out int pid)
            && System.IO.Directory.Exists($"/proc/{pid}");
    }

    private static bool IsMounted(string mountPoint) =>
        System.IO.File.ReadLines("/proc/mounts").Any(l => l.Split(' ')[1] == mountPoint);

    private static async Task<string[]> UnmountAsync(string mountPoint, bool lazyIfBusy = false)
    {
        (int exit, _, string stderr) = await RunAsync("umount", mountPoint);
        if (exit != 0 && lazyIfBusy)
        {
            (exit, _, stderr) = await RunAsync("umount", "-l", mountPoint);
        }

        return exit == 0 ? [] : [$"umount {mountPoint} failed ({exit}): {stderr.Trim()}"];
    }

    // rmdir of a v1 cgroup fails (EBUSY) while a task is still listed; a process that has just been
    // killed leaves it within moments.
    private static async Task<bool> RemoveCgroupAsync(string group)
    {
        for (int attempt = 0; attempt < 50; attempt++)
        {
            try
            {
                System.IO.Directory.Delete(group);
                return true;
            }
            catch (IOException)
            {
                await Task.Delay(100);
            }
        }

        return false;
    }

    private static void TryWrite(string path, string text)
    {
        try
        {
            System.IO.File.WriteAllText(path, text);
        }
        catch (IOException)
        {
            // The process has exited meanwhile.
        }
    }

    private static async Task MustRunAsync(string file, params string[] arguments)
    {
        (int exit, _, string stderr) = await RunAsync(file, arguments);
        Require(exit == 0, $"`{file} {string.Join(' ', arguments)}` failed ({exit}): {stderr.Trim()}");
    }

    private static async Task<(int Exit, string Stdout, string Stderr)> RunAsync(string file, params string[] arguments)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using Process process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {file}");
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        try
        {
            await process.WaitForExitAsync().WaitAsync(s_commandTimeout);
        }
        catch (TimeoutException)
        {
            process.Kill();
            throw new TimeoutException($"`{file} {string.Join(' ', arguments)}` did not finish within {s_commandTimeout}");
        }

        return (process.ExitCode, await stdout, await stderr);
    }

    private static void Require(bool condition, string missing)
    {
        if (!condition)
        {
            throw new InvalidOperationException("This machine cannot make the slow disk: " + missing);
        }
    }
}
