"""The workloads of compare.py, one sample each: a sample of a throughput workload repeats its
download until it has moved data for at least `min_seconds`, so that one slow or fast transfer
(a fraction of a second on this machine) cannot decide a round."""
import json
import os
import re
import subprocess
import threading
import time

from benchlib import GiB, CpuClock, context_switches, evict, machine_cpu_ms, rss_kib


class Measure:
    """Server CPU (ns, all threads of all its processes), whole-machine busy CPU without steal,
    steal, and the CPU of the other servers that were running but not under test (idle cost)."""

    def __init__(self, server, idle_servers):
        self.server, self.idle = server, idle_servers

    def __enter__(self):
        self.clock = CpuClock(self.server.pids())
        self.idle_clocks = {s.name: CpuClock(s.pids()) for s in self.idle}
        self.m0, self.s0 = machine_cpu_ms()
        self.ctx0 = context_switches(self.server.pids())
        self.t0 = time.perf_counter()
        return self

    def __exit__(self, *exc):
        self.wall = time.perf_counter() - self.t0
        self.ctx = context_switches(self.server.pids()) - self.ctx0
        self.cpu_ms = self.clock.elapsed_ms()
        self.idle_by_server = {n: c.elapsed_ms() for n, c in self.idle_clocks.items()}
        self.idle_ms = sum(self.idle_by_server.values())
        m1, s1 = machine_cpu_ms()
        self.machine_ms, self.steal_ms = m1 - self.m0, s1 - self.s0
        return False

    def per_gib(self, nbytes):
        gib = nbytes / GiB
        return {"mbps": nbytes / self.wall / 1e6, "cpuMsPerGiB": self.cpu_ms / gib,
                "machineMsPerGiB": self.machine_ms / gib, "stealMsPerGiB": self.steal_ms / gib,
                "ctxPerGiB": self.ctx / gib, "idleServersMs": self.idle_ms, "idleBusiest": self.busiest_idle(), "cpuTicks": int(not self.clock.exact),
                "wallS": self.wall}

    def busiest_idle(self):
        return max(self.idle_by_server, key=self.idle_by_server.get) if self.idle_by_server else ""


CURL_FORMAT = ["-s", "-o", "/dev/null", "-w", "%{http_code} %{size_download}"]


def check(out, url, expected):
    parts = out.split()
    if len(parts) != 2 or parts[0] != "200" or int(parts[1]) != expected:
        raise RuntimeError(f"{url}: got {parts}, expected 200 and {expected} bytes")


def curl(url, expected):
    out = subprocess.run(["curl", *CURL_FORMAT, url], capture_output=True, text=True, timeout=300).stdout
    check(out, url, expected)


def curl_parallel(url, expected, count):
    procs = [subprocess.Popen(["curl", *CURL_FORMAT, url], stdout=subprocess.PIPE, text=True) for _ in range(count)]
    for p in procs:
        check(p.communicate(timeout=300)[0], url, expected)


def download(server, idle, name, size, min_seconds):
    """w1: one download at a time of a warm file, repeated until min_seconds have passed."""
    moved = 0
    with Measure(server, idle) as m:
        while True:
            curl(server.url(name), size)
            moved += size
            if time.perf_counter() - m.t0 >= min_seconds:
                break
    return {**m.per_gib(moved), "downloads": moved // size}


def parallel(server, idle, name, size, count, min_seconds):
    """w2: batches of `count` parallel downloads, repeated until min_seconds have passed."""
    moved = 0
    with Measure(server, idle) as m:
        while True:
            curl_parallel(server.url(name), size, count)
            moved += size * count
            if time.perf_counter() - m.t0 >= min_seconds:
                break
    return {**m.per_gib(moved), "downloads": moved // size}


def cold(server, idle, path, name, size, sluice, min_seconds):
    """w3: download of a file evicted just before; repeated (evicting each time) until
    min_seconds of transfer have been timed. Eviction is outside the timed part."""
    moved, wall, cpu, machine, steal, idle_ms, busiest, ticks, ctx = 0, 0.0, 0.0, 0.0, 0.0, 0.0, "", 0, 0
    while wall < min_seconds:
        evict(path)
        with Measure(server, idle) as m:
            curl(server.url(name), size)
        moved += size
        wall, cpu, machine, steal, idle_ms = (wall + m.wall, cpu + m.cpu_ms, machine + m.machine_ms,
                                               steal + m.steal_ms, idle_ms + m.idle_ms)
        busiest, ticks, ctx = m.busiest_idle(), ticks | int(not m.clock.exact), ctx + m.ctx
    report = json.loads(subprocess.run([sluice, "cache", "--json", path], capture_output=True, text=True,
                                       check=True).stdout.splitlines()[-1])
    evict(path)
    gib = moved / GiB
    return {"mbps": moved / wall / 1e6, "cpuMsPerGiB": cpu / gib, "machineMsPerGiB": machine / gib,
            "stealMsPerGiB": steal / gib, "ctxPerGiB": ctx / gib, "idleServersMs": idle_ms, "idleBusiest": busiest, "cpuTicks": ticks, "wallS": wall, "downloads": moved // size,
            "residentPct": report["percent"]}


def parse_wrk(out):
    """Requests/s, p99 and every error wrk counts. Requests that time out are not in wrk's
    latency histogram, so a run with timeouts has a p99 that flatters it: such runs are flagged."""
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)
    p99ms = float(p99.group(1)) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[p99.group(2)]
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    connect, read, write, timeout = (int(g) for g in sock.groups()) if sock else (0, 0, 0, 0)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {"rps": rps, "p99Ms": p99ms, "errConnect": connect, "errRead": read, "errWrite": write,
            "errTimeout": timeout, "non2xx": int(non2xx.group(1)) if non2xx else 0}


ERROR_KEYS = ("errConnect", "errRead", "errWrite", "errTimeout", "non2xx")


def wrk(server, idle, name, seconds, connections=64):
    """w4/w5: wrk for `seconds` at `connections` connections; server RSS high-water sampled."""
    peak = [0]
    stop = threading.Event()

    def sample():
        while not stop.is_set():
            peak[0] = max(peak[0], rss_kib(server.pids()))
            time.sleep(0.2)

    sampler = threading.Thread(target=sample)
    # SLUICE_BENCH_NO_RSS=1 leaves the sampler out: a check that reading /proc during the run does
    # not itself lengthen the tail being measured (rssMiB is then 0).
    if os.environ.get("SLUICE_BENCH_NO_RSS") == "1":
        stop.set()
    sampler.start()
    try:
        with Measure(server, idle) as m:
            proc = subprocess.run(["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", server.url(name)],
                                  capture_output=True, text=True, timeout=seconds + 60)
    finally:
        stop.set()
        sampler.join()
    try:
        res = parse_wrk(proc.stdout)
    except AttributeError:
        # No summary at all: count the run as failed rather than crash the whole comparison.
        res = {"rps": 0.0, "p99Ms": float("nan"), "errConnect": 0, "errRead": 0, "errWrite": 0,
               "errTimeout": 0, "non2xx": 0, "wrkFailed": 1}
    requests = res["rps"] * seconds
    res.update({"rssMiB": peak[0] / 1024, "cpuUsPerReq": m.cpu_ms * 1000 / requests if requests else float("nan"),
                "machineUsPerReq": m.machine_ms * 1000 / requests if requests else float("nan"),
                "stealMs": m.steal_ms, "idleServersMs": m.idle_ms,
                "idleBusiest": m.busiest_idle(), "cpuTicks": int(not m.clock.exact),
                "wallS": m.wall})
    res["errors"] = sum(res[k] for k in ERROR_KEYS) + res.get("wrkFailed", 0)
    return res
