#!/usr/bin/env python3
"""Sluice vs nginx, side by side, interleaved, on loopback. Called by bench/compare.sh.

Each round visits every server in turn for each workload, so the noisy phases of a shared
2-core machine hit every server alike; ratios are taken within a round and the median over
rounds is reported. CPU is measured two ways: the server's own (utime+stime of all its
processes, /proc/PID/stat) and the whole machine's busy time (/proc/stat), because on loopback
the kernel charges TCP receive work to whichever task happens to run it.
"""
import argparse
import datetime
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time

from benchlib import (GiB, KiB, MiB, NGINX_CONFIGS, cpu_ms, evict, machine_busy_ms, nginx_server, rss_kib,
                      sluice_server, warm)


# ---------------------------------------------------------------- workloads

def measured(server, action):
    pids = server.pids()
    c0, m0, t0 = cpu_ms(pids), machine_busy_ms(), time.perf_counter()
    result = action()
    t1 = time.perf_counter()
    pids = server.pids()
    return result, t1 - t0, cpu_ms(pids) - c0, machine_busy_ms() - m0


def curl(url, expected):
    out = subprocess.run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code} %{size_download}", url],
                         capture_output=True, text=True, timeout=300).stdout.split()
    if out[0] != "200" or int(out[1]) != expected:
        raise RuntimeError(f"{url}: got {out}, expected 200 and {expected} bytes")


def download(server, name, size):
    _, wall, cpu, machine = measured(server, lambda: curl(server.url(name), size))
    gib = size / GiB
    return {"mbps": size / wall / 1e6, "cpuMsPerGiB": cpu / gib, "machineMsPerGiB": machine / gib}


def parallel(server, name, size, count):
    def run():
        procs = [subprocess.Popen(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code} %{size_download}", server.url(name)],
                                  stdout=subprocess.PIPE, text=True) for _ in range(count)]
        for p in procs:
            code, got = p.communicate(timeout=300)[0].split()
            if code != "200" or int(got) != size:
                raise RuntimeError(f"parallel download: {code} {got}")
    _, wall, cpu, machine = measured(server, run)
    gib = size * count / GiB
    return {"mbps": size * count / wall / 1e6, "cpuMsPerGiB": cpu / gib, "machineMsPerGiB": machine / gib}


def cold(server, path, name, size, sluice):
    evict(path)
    result = download(server, name, size)
    report = json.loads(subprocess.run([sluice, "cache", "--json", path], capture_output=True, text=True, check=True).stdout.splitlines()[-1])
    result["residentPct"] = report["percent"]
    evict(path)
    return result


def wrk(server, name, seconds):
    peak = [0]
    stop = threading.Event()

    def sample():
        while not stop.is_set():
            peak[0] = max(peak[0], rss_kib(server.pids()))
            time.sleep(0.2)

    sampler = threading.Thread(target=sample)
    sampler.start()
    try:
        out, wall, cpu, machine = measured(server, lambda: subprocess.run(
            ["wrk", "-t2", "-c64", f"-d{seconds}s", "--latency", server.url(name)],
            capture_output=True, text=True, timeout=seconds + 60).stdout)
    finally:
        stop.set()
        sampler.join()
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)
    p99ms = float(p99.group(1)) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[p99.group(2)]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if errors or "Socket errors" in out and re.search(r"Socket errors: connect (\d+)", out).group(1) != "0":
        raise RuntimeError(f"wrk reported errors:\n{out}")
    return {"rps": rps, "p99Ms": p99ms, "rssMiB": peak[0] / 1024, "cpuUsPerReq": cpu * 1000 / (rps * seconds)}


# ---------------------------------------------------------------- report

WORKLOADS = [
    # key, title, servers, metric, higher is better
    ("w1", "1 GiB warm, one curl", "mbps"),
    ("w2", "16 × 64 MiB warm, parallel curl", "mbps"),
    ("w3", "1 GiB cold, one curl", "mbps"),
    ("w4", "4 KiB, wrk -t2 -c64", "rps"),
    ("w5", "100 KiB, wrk -t2 -c64", "rps"),
]


def machine_description(data):
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
    mem = next(l.split()[1] for l in open("/proc/meminfo") if l.startswith("MemTotal"))
    fs = subprocess.run(["df", "-T", data], capture_output=True, text=True).stdout.splitlines()[-1].split()[1]
    nginx = subprocess.run(["nginx", "-v"], capture_output=True, text=True).stderr.strip()
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    return (f"Linux {os.uname().release} {os.uname().machine}; {os.cpu_count()} × {cpu}; "
            f"{int(mem) // 1024 // 1024} GiB RAM; data on {fs}; {nginx}; sluice {commit}; "
            f"loopback (127.0.0.1), paravirtualized guest")


def med(values):
    return statistics.median(values) if values else float("nan")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sluice", required=True)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--quick", action="store_true", help="small files and 3 s wrk runs, for a smoke test")
    ap.add_argument("--out")
    ap.add_argument("--data", help="directory for the test files (default: a new one under /var/tmp)")
    ap.add_argument("--workloads", default="w1,w2,w3,w4,w5", help="subset to run, e.g. w4,w5 (the ratio table then covers only those)")
    args = ap.parse_args()

    big = 256 * MiB if args.quick else GiB
    mid = 16 * MiB if args.quick else 64 * MiB
    wrk_seconds = 3 if args.quick else 10
    workdir = tempfile.mkdtemp(prefix="sluice-compare-", dir="/var/tmp")
    data = args.data or os.path.join(workdir, "data")
    os.makedirs(data, exist_ok=True)
    files = {"warm.bin": big, "cold.bin": big, "mid.bin": mid, "small.bin": 4 * KiB, "medium.bin": 100 * KiB}
    for name, size in files.items():
        path = os.path.join(data, name)
        if not os.path.exists(path) or os.path.getsize(path) != size:
            with open(path, "wb") as f:
                remaining = size
                while remaining:
                    chunk = min(remaining, 16 * MiB)
                    f.write(os.urandom(chunk))
                    remaining -= chunk
                # Written pages stay dirty (and so cannot be evicted) until written back.
                f.flush()
                os.fsync(f.fileno())
    for name in ("warm.bin", "mid.bin", "small.bin", "medium.bin"):
        warm(os.path.join(data, name))

    servers = [sluice_server(args.sluice, data, s) for s in ("auto", "sendfile", "buffered", "copy", "direct", "dontcache")]
    servers += [nginx_server(n, d, data, workdir) for n, d in NGINX_CONFIGS.items()]
    by_name = {s.name: s for s in servers}
    plan = {
        "w1": ["sluice-auto", "sluice-sendfile", "sluice-buffered", "sluice-copy", "nginx-sendfile", "nginx-copy", "nginx-aio"],
        "w2": ["sluice-auto", "sluice-sendfile", "sluice-buffered", "sluice-copy", "nginx-sendfile", "nginx-copy", "nginx-aio"],
        "w3": ["sluice-auto", "sluice-direct", "sluice-dontcache", "sluice-sendfile", "nginx-sendfile", "nginx-copy", "nginx-aio"],
        "w4": ["sluice-auto", "nginx-sendfile", "nginx-copy"],
        "w5": ["sluice-auto", "nginx-sendfile", "nginx-copy"],
    }
    plan = {w: names for w, names in plan.items() if w in args.workloads.split(",")}
    results = {w: {n: [] for n in names} for w, names in plan.items()}
    log = open(os.path.join(workdir, "servers.log"), "w")
    started = time.time()
    try:
        for s in servers:
            s.start(log)
        for r in range(args.rounds):
            for w, names in plan.items():
                # Rotate the order every round: on this guest the first download of a freshly
                # evicted file pays the host's disk, and a sendfile read right after RWF_DONTCACHE
                # reads of the same file runs slower; rotation spreads such position effects.
                shift = r % len(names)
                for name in names[shift:] + names[:shift]:
                    s = by_name[name]
                    if w == "w1":
                        res = download(s, "warm.bin", big)
                    elif w == "w2":
                        res = parallel(s, "mid.bin", mid, 16)
                    elif w == "w3":
                        res = cold(s, os.path.join(data, "cold.bin"), "cold.bin", big, args.sluice)
                    elif w == "w4":
                        res = wrk(s, "small.bin", wrk_seconds)
                    else:
                        res = wrk(s, "medium.bin", wrk_seconds)
                    results[w][name].append(res)
                    shown = ", ".join(f"{k}={v:.1f}" for k, v in res.items())
                    print(f"round {r + 1}/{args.rounds} {w} {name}: {shown}", file=sys.stderr, flush=True)
    finally:
        for s in servers:
            s.stop()
        log.close()

    elapsed = time.time() - started
    lines = [f"# Sluice vs nginx — {datetime.date.today().isoformat()}", "",
             f"Machine: {machine_description(data)}.", "",
             f"Command: `bench/compare.sh --rounds {args.rounds}{' --quick' if args.quick else ''}` "
             f"({elapsed / 60:.1f} min). Files: {big // MiB} MiB (warm and cold), {mid // MiB} MiB, 4 KiB, 100 KiB. "
             "Medians over rounds; every round visits every server in turn.", "",
             "CPU ms/GiB: `server` = utime+stime of the server's processes; `machine` = busy time of the whole "
             "machine (/proc/stat), which also contains curl and the kernel's loopback receive work.", ""]

    def table(w, metric_keys):
        header = "| server | " + " | ".join(metric_keys) + " |"
        rows = [header, "|" + "---|" * (len(metric_keys) + 1)]
        for name, runs in results[w].items():
            rows.append(f"| {name} | " + " | ".join(f"{med([r[k] for r in runs]):.1f}" for k in metric_keys) + " |")
        return rows

    for key, title, _ in WORKLOADS:
        if key not in plan:
            continue
        lines.append(f"## {key}: {title}")
        keys = list(results[key][plan[key][0]][0].keys())
        lines += table(key, keys) + [""]

    # Ratios within each round against nginx's best configuration for that workload.
    def ratio(w, metric, higher_better, sluice="sluice-auto"):
        per_round = []
        pick = max if higher_better else min
        for r in range(args.rounds):
            best = pick(results[w][n][r][metric] for n in plan[w] if n.startswith("nginx"))
            if sluice == "best":
                mine = pick(results[w][n][r][metric] for n in plan[w] if n.startswith("sluice"))
            else:
                mine = results[w][sluice][r][metric]
            per_round.append(mine / best)
        return med(per_round)

    targets = [
        ("w1", "mbps", True, "≥ 1.0"), ("w1", "machineMsPerGiB", False, "≤ 1.0"), ("w1", "cpuMsPerGiB", False, "(info)"),
        ("w2", "mbps", True, "≥ 1.0"), ("w2", "machineMsPerGiB", False, "≤ 1.0"), ("w2", "cpuMsPerGiB", False, "(info)"),
        ("w3", "mbps", True, "≥ 1.0"),
        ("w4", "rps", True, "≥ 0.8 (→ 1.0)"), ("w4", "p99Ms", False, "(info)"),
        ("w5", "rps", True, "≥ 0.8 (→ 1.0)"), ("w5", "p99Ms", False, "(info)"),
    ]
    lines += ["## Ratios to nginx's best configuration (median of per-round ratios)", "",
              "`auto` is Sluice's default; `best` is Sluice's best configuration in that round, as nginx's side is.", "",
              "| workload | metric | sluice-auto | sluice best | target |", "|---|---|---|---|---|"]
    for w, metric, higher, target in targets:
        if w not in plan:
            continue
        lines.append(f"| {w} | {metric} ({'higher' if higher else 'lower'} is better) | {ratio(w, metric, higher):.2f} | {ratio(w, metric, higher, 'best'):.2f} | {target} |")
    rss = med([r["rssMiB"] for r in results["w4"]["sluice-auto"]]) if "w4" in plan else float("nan")
    lines += ["", f"Sluice resident memory high-water during w4: {rss:.1f} MiB (target ≤ 64 MiB).", "",
              "w3 residency: percentage of the cold file in the page cache after the download "
              "(`residentPct`): direct I/O leaves it out, sendfile pulls it in.", ""]

    text = "\n".join(lines) + "\n"
    out = args.out or os.path.join("bench", "results", f"compare-{datetime.date.today().isoformat()}.md")
    os.makedirs(os.path.dirname(out), exist_ok=True)
    with open(out, "w") as f:
        f.write(text)
    with open(out.replace(".md", ".json"), "w") as f:
        json.dump({"rounds": args.rounds, "results": results}, f, indent=1)
    print(text)
    print(f"written to {out}", file=sys.stderr)
    if not args.data:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
