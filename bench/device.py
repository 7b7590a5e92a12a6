"""The disk's own limits, measured in the same run as the cold workloads so that those are read
against the device: fio with io_uring and O_DIRECT at a few block sizes and queue depths, and a
buffered sequential read of an evicted file (what the kernel's read-ahead delivers)."""
import json
import os
import subprocess
import time

from benchlib import MiB, evict
from stats import med, num, spread


def fio_direct(path, bs, depth, seconds):
    out = subprocess.run(
        ["fio", "--name=ref", f"--filename={path}", "--readonly", "--rw=read", "--direct=1",
         "--ioengine=io_uring", f"--bs={bs}", f"--iodepth={depth}", f"--runtime={seconds}", "--time_based",
         "--output-format=json"],
        capture_output=True, text=True, timeout=seconds + 60, check=True).stdout
    job = json.loads(out[out.index("{"):])["jobs"][0]["read"]
    return job["bw_bytes"] / 1e6, job["iops"]


def buffered_read(path, size):
    """MB/s of one sequential read of the evicted file with 1 MiB read() calls."""
    evict(path)
    buf = bytearray(MiB)
    fd = os.open(path, os.O_RDONLY)
    try:
        t0 = time.perf_counter()
        n = 0
        while n < size:
            got = os.readv(fd, [buf])
            if not got:
                break
            n += got
        wall = time.perf_counter() - t0
    finally:
        os.close(fd)
    evict(path)
    return n / wall / 1e6


def reference(path, size, quick, log):
    """Runs the reference and returns (json-able results, report lines)."""
    block_sizes = ["128k", "1m", "4m"]
    depths = [1, 4, 16]
    seconds = 1 if quick else 3
    direct = {}
    for bs in block_sizes:
        for depth in depths:
            mbps, iops = fio_direct(path, bs, depth, seconds)
            direct[f"{bs}/qd{depth}"] = {"mbps": mbps, "iops": iops}
            log(f"device fio {bs} qd{depth}: {mbps:.0f} MB/s")
    buffered = [buffered_read(path, size) for _ in range(2 if quick else 3)]
    log(f"device buffered read-ahead: {', '.join(f'{b:.0f}' for b in buffered)} MB/s")
    ra_kib = read_ahead_kib(path)
    lines = ["## Device reference (same run)", "",
             f"fio {fio_version()}, `--rw=read --direct=1 --ioengine=io_uring --runtime={seconds}` on the cold "
             f"test file ({size // MiB} MiB), MB/s:", "",
             "| block size | " + " | ".join(f"qd {d}" for d in depths) + " |", "|---|" + "---|" * len(depths)]
    for bs in block_sizes:
        lines.append(f"| {bs} | " + " | ".join(num(direct[f'{bs}/qd{d}']['mbps']) for d in depths) + " |")
    best = max(direct.items(), key=lambda kv: kv[1]["mbps"])
    lines += ["", f"Best O_DIRECT: {num(best[1]['mbps'])} MB/s ({best[0]}). Buffered sequential read of the "
              f"evicted file with 1 MiB read() calls (kernel read-ahead, {ra_kib} KiB window): "
              f"{spread(buffered)} MB/s over {len(buffered)} reads.", ""]
    return {"direct": direct, "bufferedMbps": buffered, "readAheadKiB": ra_kib}, lines, med(buffered)


def fio_version():
    return subprocess.run(["fio", "--version"], capture_output=True, text=True).stdout.strip()


def read_ahead_kib(path):
    """The read-ahead window of the block device holding path (sysfs), or '?'."""
    try:
        dev = os.stat(path).st_dev
        major, minor = os.major(dev), os.minor(dev)
        base = f"/sys/dev/block/{major}:{minor}"
        for candidate in (f"{base}/queue/read_ahead_kb", f"{base}/../queue/read_ahead_kb"):
            if os.path.exists(candidate):
                return open(candidate).read().strip()
    except OSError:
        pass
    return "?"
