#!/usr/bin/env python3
"""The seed's own scenario, end to end: a hot set of small files under memory pressure from large
cold downloads. Called by bench/pressure.sh, or by compare.py through main_from_compare().

The seed argues that large files streamed through the page cache evict the small hot files that
live there, and that bypassing the cache for large files keeps the hot set fast. Here each server
runs in a fresh cgroup-v1 memory cgroup whose limit (1 GiB by default) holds the hot set
(20,000 × 16 KiB = 320 MiB) but not the cold files (4 × 2 GiB). wrk requests hot files at random
(lua script) while four clients each stream their own cold file in a loop; afterwards the hot
set's residency, the bytes the server read from disk (/proc/PID/io) and the memory cgroup's
memory.stat say what the page cache did.

Page-cache charging is why the protocol is so careful: a page is charged to the cgroup that first
brings it in, so data the harness wrote (or that a previous server read) is evicted before each
server starts, the hot set is warmed through the server under test, and everything is evicted
again before the cgroup is removed (a removed cgroup's pages would move to its parent, where the
next server would find them resident for free).
"""
import argparse
import ctypes
import datetime
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

from benchlib import (GiB, KiB, MiB, cpu_ms, disk_read_bytes, evict, lighttpd_server, nginx_server, sluice_server,
                      write_random_file)

HOT_DIRS = 100
PEERS = ("nginx-sendfile", "nginx-aio", "lighttpd")
NGINX = {
    "nginx-sendfile": "sendfile on; tcp_nopush on;",
    # Fair directio: large O_DIRECT buffers, several in flight, through nginx's thread pool.
    "nginx-aio": "sendfile on; tcp_nopush on; aio threads; directio 4m; output_buffers 4 1m;",
}
# sluice-auto uses the server's default disk engine (io_uring where the kernel allows it);
# sluice-auto-threads the thread engine, so both engines are judged in the same run.
ALL_SERVERS = ("sluice-auto", "sluice-auto-threads", "sluice-sendfile") + PEERS
MEMCG = "/sys/fs/cgroup/memory"


def log(msg):
    print(f"[pressure {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def parse_size(text):
    m = re.fullmatch(r"(\d+)\s*([KMG]?)(?:i?B)?", text.strip(), re.I)
    if not m:
        raise argparse.ArgumentTypeError(f"not a size: {text}")
    return int(m.group(1)) * {"": 1, "K": KiB, "M": MiB, "G": GiB}[m.group(2).upper()]


# ---------------------------------------------------------------- data set

class DataSet:
    def __init__(self, root, hot_count, hot_size, cold_count, cold_size):
        self.root, self.hot_count, self.hot_size = root, hot_count, hot_size
        self.cold_count, self.cold_size = cold_count, cold_size
        self.hot = [f"hot/d{i % HOT_DIRS:03d}/f{i:05d}.bin" for i in range(hot_count)]
        self.cold = [f"cold/c{i}.bin" for i in range(cold_count)]

    def path(self, name):
        return os.path.join(self.root, name)

    def ensure(self):
        """Writes the files that are missing or of the wrong size; a kept --data directory is reused."""
        for d in range(min(HOT_DIRS, self.hot_count)):
            os.makedirs(self.path(f"hot/d{d:03d}"), exist_ok=True)
        os.makedirs(self.path("cold"), exist_ok=True)
        written = 0
        for name in self.hot:
            if self._write_if_needed(name, self.hot_size):
                written += self.hot_size
        for name in self.cold:
            if self._write_if_needed(name, self.cold_size):
                written += self.cold_size
        if written:
            # Dirty pages cannot be evicted; one sync is cheaper than an fsync per small file.
            os.sync()
            log(f"wrote {written / GiB:.2f} GiB of test data under {self.root}")

    def _write_if_needed(self, name, size):
        return write_random_file(self.path(name), size, fsync=False)

    def evict_all(self):
        for name in self.hot + self.cold:
            evict(self.path(name))

    def resident_pct(self, names):
        total = resident = 0
        for name in names:
            r, t = resident_pages(self.path(name))
            resident += r
            total += t
        return 100.0 * resident / total if total else 0.0


_libc = ctypes.CDLL(None, use_errno=True)
_libc.mmap.restype = ctypes.c_void_p
_libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_long]
_libc.munmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t]
_libc.mincore.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_char_p]
_PAGE = os.sysconf("SC_PAGE_SIZE")


def resident_pages(path):
    """(resident, total) pages of a file, by mincore over a mapping that touches nothing."""
    fd = os.open(path, os.O_RDONLY)
    try:
        size = os.fstat(fd).st_size
        if size == 0:
            return 0, 0
        addr = _libc.mmap(None, size, 1, 1, fd, 0)  # PROT_READ, MAP_SHARED
        if addr in (None, ctypes.c_void_p(-1).value):
            raise OSError(ctypes.get_errno(), f"mmap {path}")
        try:
            pages = (size + _PAGE - 1) // _PAGE
            vec = ctypes.create_string_buffer(pages)
            if _libc.mincore(addr, size, vec) != 0:
                raise OSError(ctypes.get_errno(), f"mincore {path}")
            return sum(b & 1 for b in vec.raw), pages
        finally:
            _libc.munmap(addr, size)
    finally:
        os.close(fd)


# ---------------------------------------------------------------- memory cgroup (v1: only v1 has the memory controller here)

class Cgroup:
    def __init__(self, name, limit):
        self.mem = os.path.join(MEMCG, name)
        os.mkdir(self.mem)
        self._write(self.mem, "memory.limit_in_bytes", str(limit))

    @staticmethod
    def _write(d, f, v):
        with open(os.path.join(d, f), "w") as fh:
            fh.write(v)

    def wrap(self, argv):
        # The shell joins the cgroup and then becomes the server, so the server's first page
        # fault is already charged here (and the Popen pid is the server's).
        script = f'echo $$ > {self.mem}/cgroup.procs && exec "$@"'
        return ["sh", "-c", script, "sh"] + argv

    def procs(self):
        with open(os.path.join(self.mem, "cgroup.procs")) as f:
            return [int(x) for x in f.read().split()]

    def memory_stat(self):
        stat = {}
        with open(os.path.join(self.mem, "memory.stat")) as f:
            for line in f:
                k, v = line.split()
                stat[k] = int(v)
        for f in ("memory.usage_in_bytes", "memory.max_usage_in_bytes", "memory.failcnt"):
            with open(os.path.join(self.mem, f)) as fh:
                stat[f] = int(fh.read())
        return stat

    def remove(self):
        # Whatever is still inside was started by this harness (the server and its workers).
        deadline = time.time() + 10
        while self.procs() and time.time() < deadline:
            for pid in self.procs():
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            time.sleep(0.1)
        for _ in range(50):
            try:
                os.rmdir(self.mem)
                break
            except FileNotFoundError:
                break
            except OSError:
                time.sleep(0.1)


# ---------------------------------------------------------------- clients

class ColdClient(threading.Thread):
    """Streams one large file in a loop over a keep-alive connection and counts every body byte.
    A connection the server drops is recorded and replaced, so one failure does not silence the
    stream for the rest of the window (after 10 it gives up)."""

    def __init__(self, port, name, size, stop):
        super().__init__(daemon=True)
        self.port, self.name_, self.size, self.stop = port, name, size, stop
        self.received, self.completed, self.errors, self.sock = 0, 0, [], None

    def run(self):
        while not self.stop.is_set() and len(self.errors) < 10:
            try:
                self._stream()
            except Exception as e:  # noqa: BLE001 — recorded; a stop closes the socket under us
                if not self.stop.is_set():
                    self.errors.append(f"{type(e).__name__}: {e}")
            finally:
                if self.sock:
                    self.sock.close()

    def _stream(self):
        buf = bytearray(1 * MiB)
        view = memoryview(buf)
        self.sock = socket.create_connection(("127.0.0.1", self.port), timeout=60)
        request = f"GET /{self.name_} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode()
        while not self.stop.is_set():
            self.sock.sendall(request)
            head = b""
            while b"\r\n\r\n" not in head:
                n = self.sock.recv_into(view)
                if n == 0:
                    raise ConnectionError("closed before the response head")
                head += bytes(view[:n])
            head, body = head.split(b"\r\n\r\n", 1)
            status = head.split(b" ", 2)[1]
            length = int(re.search(rb"(?i)\r\ncontent-length:\s*(\d+)", head).group(1))
            if status != b"200" or length != self.size:
                raise RuntimeError(f"{self.name_}: status {status}, length {length}")
            got = len(body)
            self.received += got
            while got < length:
                n = self.sock.recv_into(view, min(len(buf), length - got))
                if n == 0:
                    raise ConnectionError(f"closed after {got} of {length} bytes")
                got += n
                self.received += n
            self.completed += 1

    def halt(self):
        if self.sock:
            try:
                self.sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def warm_hot_set(port, ds, threads=4):
    """Requests every hot file once through the server, so its pages are charged to its cgroup.
    A connection closed without a response is retried on a new one (as browsers and curl do for
    an idempotent GET) and counted: returns the number of such drops."""
    import http.client
    errors, drops = [], [0]

    def worker(names):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        try:
            for name in names:
                for attempt in range(3):
                    try:
                        conn.request("GET", "/" + name)
                        r = conn.getresponse()
                        body = r.read()
                        break
                    except (http.client.RemoteDisconnected, ConnectionError) as e:
                        drops[0] += 1
                        conn.close()
                        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                        if attempt == 2:
                            raise e
                if r.status != 200 or len(body) != ds.hot_size:
                    errors.append(f"{name}: {r.status}, {len(body)} bytes")
                    return
        except Exception as e:  # noqa: BLE001
            errors.append(f"{type(e).__name__}: {e}")
        finally:
            conn.close()

    ts = [threading.Thread(target=worker, args=(ds.hot[i::threads],)) for i in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    if errors:
        raise RuntimeError(f"warming the hot set failed: {errors[0]}")
    return drops[0]


LUA = """-- Random hot files; each wrk thread seeds its own generator.
local count, dirs, seed = {count}, {dirs}, {seed}
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("id", threads)
end
function init(args)
  math.randomseed(seed + id * 7919)
end
function request()
  local i = math.random(0, count - 1)
  return wrk.format("GET", string.format("/hot/d%03d/f%05d.bin", i % dirs, i))
end
"""


def parse_wrk(out):
    def ms(label):
        m = re.search(rf"^\s*{label}\s+([\d.]+)(us|ms|s)\b", out, re.M)
        return float(m.group(1)) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[m.group(2)] if m else float("nan")

    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    if not rps:
        raise RuntimeError(f"wrk printed no rate:\n{out}")
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    errors = dict(zip(("connect", "read", "write", "timeout"),
                      (int(x) for x in socket_errors.groups()) if socket_errors else (0, 0, 0, 0)))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors["non2xx"] = int(non2xx.group(1)) if non2xx else 0
    requests = re.search(r"(\d+) requests in", out)
    return {"rps": float(rps.group(1)), "p50Ms": ms("50%"), "p99Ms": ms("99%"),
            "requests": int(requests.group(1)) if requests else 0, "errors": errors}


# ---------------------------------------------------------------- one measured run

def make_server(name, binary, data, workdir):
    if name.startswith("sluice-"):
        return sluice_server(binary, data, name.split("-", 1)[1])
    if name in NGINX:
        return nginx_server(name, NGINX[name], data, workdir)
    if name == "lighttpd":
        return lighttpd_server(data, workdir)
    raise ValueError(name)


def run_one(name, cfg, ds, workdir, tag):
    ds.evict_all()
    log_path = os.path.join(workdir, f"{tag}.log")
    server_log = open(log_path, "w")
    server = make_server(name, cfg.sluice, ds.root, workdir)
    cg = Cgroup(f"sluice-pressure-{os.getpid()}-{tag}", cfg.limit)
    server.argv = cg.wrap(server.argv)
    stop = threading.Event()
    clients = []
    try:
        server.start(server_log)
        t0 = time.perf_counter()
        warm_drops = warm_hot_set(server.port, ds)
        warm_s = time.perf_counter() - t0
        hot_after_warm = ds.resident_pct(ds.hot)
        stat_warm = cg.memory_stat()

        clients = [ColdClient(server.port, c, ds.cold_size, stop) for c in ds.cold]
        for c in clients:
            c.start()
        time.sleep(cfg.ramp)  # the cold streams fill the cgroup before the hot set is measured

        pids = server.pids()
        disk0, cpu0, bytes0, w0 = disk_read_bytes(pids), cpu_ms(pids), sum(c.received for c in clients), time.perf_counter()
        out = subprocess.run(["wrk", "-t2", f"-c{cfg.connections}", f"-d{cfg.seconds}s", "--latency",
                              "--timeout", f"{cfg.wrk_timeout}s", "-s", cfg.lua, server.url("")],
                             capture_output=True, text=True, timeout=cfg.seconds + 120)
        w1 = time.perf_counter()
        pids = server.pids()
        disk1, cpu1, bytes1 = disk_read_bytes(pids), cpu_ms(pids), sum(c.received for c in clients)
        stop.set()
        for c in clients:
            c.halt()
        for c in clients:
            c.join(timeout=30)
        if out.returncode != 0:
            raise RuntimeError(f"wrk failed ({out.returncode}): {out.stderr}")
        res = parse_wrk(out.stdout)
        window = w1 - w0
        stat = cg.memory_stat()
        res.update({
            "coldMBps": (bytes1 - bytes0) / window / 1e6,
            "coldDownloads": sum(c.completed for c in clients),
            "coldErrors": [f"{c.name_}: {e}" for c in clients for e in c.errors],
            "diskReadMB": (disk1 - disk0) / 1e6,
            "diskReadMBps": (disk1 - disk0) / window / 1e6,
            "serverCpuS": (cpu1 - cpu0) / 1000,
            "hotResidentAfterWarmPct": hot_after_warm,
            "hotResidentPct": ds.resident_pct(ds.hot),
            "coldResidentPct": ds.resident_pct(ds.cold),
            "warmSeconds": warm_s,
            "warmDrops": warm_drops,
            "windowSeconds": window,
            "cacheMiB": stat["cache"] / MiB,
            "activeFileMiB": stat["active_file"] / MiB,
            "inactiveFileMiB": stat["inactive_file"] / MiB,
            "rssMiB": stat["rss"] / MiB,
            "cacheAfterWarmMiB": stat_warm["cache"] / MiB,
            "memoryStat": stat,
        })
    finally:
        stop.set()
        for c in clients:
            c.halt()
        server.stop()
        # Evict while the cgroup still owns the pages, then remove it: its pages would otherwise
        # move to the parent and be found resident by the next server.
        ds.evict_all()
        cg.remove()
        server_log.close()
    with open(log_path) as f:
        warnings = [l.rstrip() for l in f if re.search(r"(?i)warn|error|exception", l)]
    res["serverWarnings"] = len(warnings)
    res["serverWarningSample"] = warnings[:5]
    return res


# ---------------------------------------------------------------- report

def med(xs):
    return statistics.median(xs) if xs else float("nan")


def spread(xs, fmt):
    if not xs:
        return "–"
    if len(xs) == 1:
        return fmt.format(xs[0])
    return f"{fmt.format(med(xs))} ({fmt.format(min(xs))}–{fmt.format(max(xs))})"


def ratio_text(ratios):
    lo, hi, m = min(ratios), max(ratios), med(ratios)
    text = f"{m:.2f} ({lo:.2f}–{hi:.2f})"
    return f"unresolved {text}" if lo <= 1.0 <= hi and len(ratios) > 1 else text


def machine_description():
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
    mem = next(l.split()[1] for l in open("/proc/meminfo") if l.startswith("MemTotal"))
    dmesg = subprocess.run(["dmesg"], capture_output=True, text=True).stdout
    hv = next((l.split("]", 1)[-1].strip() for l in dmesg.splitlines() if "hypervisor" in l.lower()), "hypervisor unknown")
    nginx = subprocess.run(["nginx", "-v"], capture_output=True, text=True).stderr.strip()
    lighttpd = subprocess.run(["lighttpd", "-v"], capture_output=True, text=True).stdout.split(" - ")[0].strip()
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    return (f"Linux {os.uname().release} {os.uname().machine}; {hv}; {os.cpu_count()} × {cpu}; "
            f"{int(mem) // 1024 // 1024} GiB RAM; {nginx}; {lighttpd}; sluice {commit}")


def load():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def report(cfg, ds, order, results, elapsed, load_before, load_after, command):
    names = [n for n in ALL_SERVERS if n in results]
    lines = [f"## Memory pressure: a hot set beside cold streams ({datetime.date.today().isoformat()})", "",
             f"Command: `{command}` ({elapsed / 60:.1f} min, {cfg.rounds} round(s)).", "",
             f"Machine: {machine_description()}. Load average (1, 5, 15 min) before: {load_before}; after: {load_after} "
             "(other work on this shared machine runs at the same time).", "",
             f"Each server runs alone in a fresh memory cgroup (v1) limited to {cfg.limit / MiB:.0f} MiB. "
             f"Hot set: {ds.hot_count:,} × {ds.hot_size // KiB} KiB = {ds.hot_count * ds.hot_size / MiB:.0f} MiB, "
             f"requested at random by `wrk -t2 -c{cfg.connections} --timeout {cfg.wrk_timeout}s` for {cfg.seconds} s; "
             f"meanwhile {ds.cold_count} clients each stream their own {ds.cold_size / GiB:g} GiB cold file in a loop "
             f"(started {cfg.ramp:g} s before wrk). All data is evicted before each server starts; the hot set is warmed "
             "through the server under test. Medians over rounds with min–max in brackets; rounds rotate the server order.", "",
             "| server | hot req/s | p50 ms | p99 ms | wrk errors | hot resident after % | disk read MB/s | cold MB/s | "
             "cgroup cache MiB | active_file MiB | inactive_file MiB |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    for n in names:
        runs = results[n]
        errs = [sum(r["errors"].values()) for r in runs]
        kinds = {k: sum(r["errors"][k] for r in runs) for k in runs[0]["errors"]}
        detail = ", ".join(f"{k} {v}" for k, v in kinds.items() if v)
        warned = sum(r["serverWarnings"] for r in runs)
        drops = sum(r["warmDrops"] for r in runs)
        cold_drops = sum(len(r["coldErrors"]) for r in runs)
        flag = (f" ({detail})" if detail else "") + (f"; server warnings {warned}" if warned else "") \
            + (f"; dropped while warming {drops}" if drops else "") \
            + (f"; cold streams dropped {cold_drops}" if cold_drops else "") \
            + (" ⚠" if any(errs) or warned or drops or any(r["coldErrors"] for r in runs) else "")
        lines.append(f"| {n} | {spread([r['rps'] for r in runs], '{:.0f}')} | {spread([r['p50Ms'] for r in runs], '{:.2f}')} | "
                     f"{spread([r['p99Ms'] for r in runs], '{:.1f}')} | {sum(errs)}{flag} | "
                     f"{spread([r['hotResidentPct'] for r in runs], '{:.1f}')} | {spread([r['diskReadMBps'] for r in runs], '{:.0f}')} | "
                     f"{spread([r['coldMBps'] for r in runs], '{:.0f}')} | {spread([r['cacheMiB'] for r in runs], '{:.0f}')} | "
                     f"{spread([r['activeFileMiB'] for r in runs], '{:.0f}')} | {spread([r['inactiveFileMiB'] for r in runs], '{:.0f}')} |")
    lines.append("")
    peers = [p for p in PEERS if p in results]
    sluices = [s for s in ("sluice-auto", "sluice-auto-threads", "sluice-sendfile") if s in results]
    if peers and sluices:
        lines += ["Ratios to the best peer of the same round (" + ", ".join(peers) + "): median of per-round ratios with their "
                  "range; a range that straddles 1.0 is unresolved.", "",
                  "| server | hot req/s (higher is better) | p99 (lower is better) | cold MB/s (higher is better) |", "|---|---|---|---|"]
        for s in sluices:
            cells = []
            for metric, higher in (("rps", True), ("p99Ms", False), ("coldMBps", True)):
                pick = max if higher else min
                rs = [results[s][r][metric] / pick(results[p][r][metric] for p in peers) for r in range(cfg.rounds)]
                cells.append(ratio_text(rs))
            lines.append(f"| {s} | " + " | ".join(cells) + " |")
        lines.append("")
    warm = {n: med([r["hotResidentAfterWarmPct"] for r in results[n]]) for n in names}
    lines += ["How to read it: `hot resident after` is the share of the hot set's pages in the page cache when the cold "
              "streams stop (after warming it was " + ", ".join(f"{n} {w:.0f} %" for n, w in warm.items()) + "). "
              "`disk read` is what the server's processes read from the disk (/proc/PID/io) during wrk's window — cold bytes that "
              "missed the cache plus hot files read again. The cgroup columns are memory.stat at the end: `cache` is all "
              "page cache charged to the server's cgroup, split into the active and inactive file LRU lists. "
              "wrk's latency percentiles include slow requests up to its timeout; timed-out requests are counted as errors. "
              "`wrk errors` is summed over rounds; ⚠ marks a server with errors, failed cold downloads, warnings in "
              "its log or connections it closed without a response while the hot set was warmed (retried).", ""]
    return lines


def chart(json_path, png_path):
    """Draws the chart with Debian's matplotlib (the pyenv Python here has none)."""
    here = os.path.dirname(os.path.abspath(__file__))
    py = "/usr/bin/python3"
    probe = subprocess.run([py, "-c", "import matplotlib"], capture_output=True)
    if probe.returncode != 0:
        log("no matplotlib for /usr/bin/python3 (apt-get install python3-matplotlib); chart skipped")
        return False
    subprocess.run([py, os.path.join(here, "pressure_chart.py"), json_path, png_path], check=True)
    return True


# ---------------------------------------------------------------- driver

class Config:
    def __init__(self, **kw):
        self.__dict__.update(kw)


def run(cfg, ds, servers):
    if not os.path.isdir(MEMCG):
        raise SystemExit("needs the cgroup-v1 memory hierarchy under /sys/fs/cgroup (and root)")
    workdir = tempfile.mkdtemp(prefix="sluice-pressure-", dir="/var/tmp")
    cfg.lua = os.path.join(workdir, "hot.lua")
    with open(cfg.lua, "w") as f:
        f.write(LUA.format(count=ds.hot_count, dirs=HOT_DIRS, seed=cfg.seed))
    results = {n: [] for n in servers}
    try:
        for r in range(cfg.rounds):
            shift = r % len(servers)
            for name in servers[shift:] + servers[:shift]:
                res = run_one(name, cfg, ds, workdir, f"{r}-{name}")
                results[name].append(res)
                e = sum(res["errors"].values())
                log(f"round {r + 1}/{cfg.rounds} {name}: {res['rps']:.0f} req/s, p50 {res['p50Ms']:.2f} ms, "
                    f"p99 {res['p99Ms']:.1f} ms, errors {e}, hot resident {res['hotResidentAfterWarmPct']:.0f}→"
                    f"{res['hotResidentPct']:.1f} %, cold {res['coldMBps']:.0f} MB/s, disk {res['diskReadMBps']:.0f} MB/s, "
                    f"cache {res['cacheMiB']:.0f} MiB (active {res['activeFileMiB']:.0f}, inactive {res['inactiveFileMiB']:.0f})"
                    + (f", cold errors {res['coldErrors']}" if res["coldErrors"] else "")
                    + (f", {res['serverWarnings']} server warnings, e.g. {res['serverWarningSample'][0]}" if res["serverWarnings"] else ""))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return results


def config_from(args):
    q = args.quick
    return Config(
        sluice=args.sluice, rounds=args.rounds if args.rounds is not None else (1 if q else 3),
        seconds=args.seconds or (5 if q else 20), ramp=3.0 if q else 5.0, connections=64, wrk_timeout=10, seed=args.seed,
        limit=args.limit or (128 * MiB if q else GiB),
        hot_count=args.hot_files or (2000 if q else 20000), hot_size=args.hot_size,
        cold_count=args.cold_files, cold_size=args.cold_size or (512 * MiB if q else 2 * GiB))


def main_from_compare(sluice_binary, data_dir, rounds, out_lines, quick=False):
    """compare.py --workloads pressure: appends this workload's section to out_lines and returns the
    raw results. Data is kept under data_dir/pressure when data_dir is given (else a temporary
    directory, removed); quick=True is the --quick smoke-test size."""
    argv = ["--sluice", sluice_binary, "--rounds", str(rounds)] + (["--quick"] if quick else [])
    args = build_parser().parse_args(argv)
    cfg = config_from(args)
    tmp = None
    if data_dir:
        root = os.path.join(data_dir, "pressure")
    else:
        tmp = tempfile.mkdtemp(prefix="sluice-pressure-data-", dir="/var/tmp")
        root = tmp
    ds = DataSet(root, cfg.hot_count, cfg.hot_size, cfg.cold_count, cfg.cold_size)
    try:
        ds.ensure()
        ds.evict_all()
        started, before = time.time(), load()
        results = run(cfg, ds, list(ALL_SERVERS))
        out_lines += report(cfg, ds, ALL_SERVERS, results, time.time() - started, before, load(),
                            f"bench/compare.sh --workloads pressure --rounds {rounds}{' --quick' if quick else ''}")
        return results
    finally:
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)


def build_parser():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sluice", required=True, help="the sluice binary (Release)")
    ap.add_argument("--rounds", type=int, help="rounds; each visits every server (default 3, --quick 1)")
    ap.add_argument("--seconds", type=int, help="wrk's measured seconds per server per round (default 20, --quick 5)")
    ap.add_argument("--quick", action="store_true", help="a small data set (2,000 hot files, 4 × 512 MiB, 128 MiB limit) for a smoke test")
    ap.add_argument("--data", help="keep the data set in DIR and reuse it (default: a temporary directory, removed)")
    ap.add_argument("--out", help="report path (.md; .json and .png beside it) (default bench/results/pressure-DATE.md)")
    ap.add_argument("--servers", default=",".join(ALL_SERVERS), help="subset, comma-separated")
    ap.add_argument("--limit", type=parse_size, help="memory cgroup limit (default 1GiB, --quick 128MiB)")
    ap.add_argument("--hot-files", type=int, help="hot files (default 20000, --quick 2000)")
    ap.add_argument("--hot-size", type=parse_size, default=16 * KiB)
    ap.add_argument("--cold-files", type=int, default=4, help="cold files, one streaming client each")
    ap.add_argument("--cold-size", type=parse_size, help="default 2GiB, --quick 512MiB")
    ap.add_argument("--seed", type=int, default=1, help="wrk's random hot-file sequence")
    ap.add_argument("--no-chart", action="store_true")
    return ap


def main():
    args = build_parser().parse_args()
    cfg = config_from(args)
    servers = [s for s in args.servers.split(",") if s]
    unknown = set(servers) - set(ALL_SERVERS)
    if unknown:
        raise SystemExit(f"unknown servers: {', '.join(sorted(unknown))}; known: {', '.join(ALL_SERVERS)}")
    if not (cfg.hot_count * cfg.hot_size < cfg.limit < cfg.hot_count * cfg.hot_size + cfg.cold_count * cfg.cold_size):
        log("warning: the limit is not between the hot set and hot + cold; the scenario needs hot < limit < hot + cold")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # run the finally blocks: servers, cgroups, data

    tmp = None
    root = args.data
    if not root:
        tmp = tempfile.mkdtemp(prefix="sluice-pressure-data-", dir="/var/tmp")
        root = tmp
    ds = DataSet(os.path.abspath(root), cfg.hot_count, cfg.hot_size, cfg.cold_count, cfg.cold_size)
    try:
        t0 = time.time()
        ds.ensure()
        ds.evict_all()
        log(f"data set ready in {time.time() - t0:.0f} s")
        started, before = time.time(), load()
        results = run(cfg, ds, servers)
        elapsed = time.time() - started
        command = "bench/pressure.sh " + " ".join(sys.argv[1:][2:] if sys.argv[1:2] == ["--sluice"] else sys.argv[1:])
        lines = [f"# Sluice under memory pressure — {datetime.date.today().isoformat()}", ""]
        lines += report(cfg, ds, servers, results, elapsed, before, load(), command.strip())
        out = args.out or os.path.join(os.path.dirname(os.path.abspath(__file__)), "results",
                                       f"pressure-{datetime.date.today().isoformat()}.md")
        os.makedirs(os.path.dirname(out), exist_ok=True)
        base = out[:-3] if out.endswith(".md") else out
        with open(base + ".json", "w") as f:
            json.dump({"config": {k: v for k, v in cfg.__dict__.items() if k not in ("sluice", "lua")},
                       "hotFiles": ds.hot_count, "hotSize": ds.hot_size, "coldFiles": ds.cold_count,
                       "coldSize": ds.cold_size, "elapsedSeconds": elapsed, "results": results}, f, indent=1)
        if not args.no_chart and chart(base + ".json", base + ".png"):
            lines += [f"![hot req/s, p99 and cold MB/s per server]({os.path.basename(base)}.png)", ""]
        with open(base + ".md", "w") as f:
            f.write("\n".join(lines) + "\n")
        print("\n".join(lines))
        log(f"written to {base}.md/.json")
    finally:
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
