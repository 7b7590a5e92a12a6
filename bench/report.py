"""The markdown report of compare.py: machine, device reference, per-workload tables (median and
min–max over rounds), flags for runs with errors, and the ratio table with per-round ranges."""
import datetime
import os
import re
import subprocess

from benchlib import MiB
from stats import med, num, ratio_cell, spread, verdict

COLUMNS = {
    "w1": ["mbps", "cpuMsPerGiB", "machineMsPerGiB", "stealMsPerGiB", "downloads"],
    "w2": ["mbps", "cpuMsPerGiB", "machineMsPerGiB", "stealMsPerGiB", "downloads"],
    "w3": ["mbps", "cpuMsPerGiB", "machineMsPerGiB", "stealMsPerGiB", "ctxPerGiB", "downloads", "residentPct"],
    "w4": ["rps", "p99Ms", "cpuUsPerReq", "machineUsPerReq", "rssMiB", "stealMs"],
    "w5": ["rps", "p99Ms", "cpuUsPerReq", "machineUsPerReq", "rssMiB", "stealMs"],
}
LOWER_IS_BETTER = {"cpuMsPerGiB", "machineMsPerGiB", "p99Ms", "cpuUsPerReq", "machineUsPerReq", "ctxPerGiB"}
# (metric, pairs): the headline metric is compared for every pair; the others for the
# headline pairs only. "nginx best" and "sluice best" are the best configuration in each round.
HEADLINE = {"w1": "mbps", "w2": "mbps", "w3": "mbps", "w4": "rps", "w5": "rps"}
SECONDARY = {"w1": ["machineMsPerGiB", "cpuMsPerGiB"], "w2": ["machineMsPerGiB", "cpuMsPerGiB"],
             "w3": ["machineMsPerGiB"], "w4": ["p99Ms", "machineUsPerReq"], "w5": ["p99Ms", "machineUsPerReq"]}
HEADLINE_PAIRS = [("sluice-auto", "nginx best"), ("sluice best", "nginx best"), ("sluice-auto", "lighttpd")]
LIKE_FOR_LIKE = {"w1": [("sluice-sendfile", "nginx-sendfile"), ("sluice-copy", "nginx-copy")],
                 "w2": [("sluice-sendfile", "nginx-sendfile"), ("sluice-copy", "nginx-copy")],
                 "w3": [("sluice-direct", "nginx-aio"), ("sluice-sendfile", "nginx-sendfile"),
                        ("sluice-direct", "sluice-direct-threads")]}
# The disk engines side by side on the direct path (io_uring, the default where the kernel allows
# it, against the thread engine): machine CPU and the server's context switches per GiB.
ENGINE_ROWS = {"w3": [(m, ("sluice-direct", "sluice-direct-threads")) for m in ("machineMsPerGiB", "cpuMsPerGiB", "ctxPerGiB")]}


def hypervisor():
    """What the machine runs on, detected: the kernel's own line, else systemd, else cpuinfo."""
    try:
        dmesg = subprocess.run(["dmesg"], capture_output=True, text=True, timeout=10).stdout
        m = re.search(r"Hypervisor detected: (\S+)", dmesg)
        if m:
            return f"{m.group(1)} guest"
    except (OSError, subprocess.TimeoutExpired):
        pass
    try:
        virt = subprocess.run(["systemd-detect-virt", "--vm"], capture_output=True, text=True).stdout.strip()
        if virt and virt != "none":
            return f"{virt} guest"
    except OSError:
        pass
    flags = next((l for l in open("/proc/cpuinfo") if l.startswith("flags")), "")
    return "virtual machine (hypervisor flag)" if " hypervisor" in flags else "bare metal (no hypervisor detected)"


def machine_description(data):
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
    mem = next(l.split()[1] for l in open("/proc/meminfo") if l.startswith("MemTotal"))
    fs = subprocess.run(["df", "-T", data], capture_output=True, text=True).stdout.splitlines()[-1].split()
    nginx = subprocess.run(["nginx", "-v"], capture_output=True, text=True).stderr.strip()
    lighttpd = subprocess.run(["lighttpd", "-v"], capture_output=True, text=True).stdout.split()[0]
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    return (f"{hypervisor()}; Linux {os.uname().release} {os.uname().machine}; {os.cpu_count()} × {cpu}; "
            f"{int(mem) // 1024 // 1024} GiB RAM; data on {fs[1]} ({fs[0]}); {nginx}; {lighttpd}; sluice {commit}; "
            f"loopback (127.0.0.1)")


def ok(run):
    return "failed" not in run


def values(runs, metric):
    return [r[metric] for r in runs if ok(r) and metric in r and r[metric] == r[metric]]


def round_value(results, name, r, metric, higher_better, names):
    """The value of `name` (or of 'nginx best'/'sluice best') in round r, or None."""
    if name in ("nginx best", "sluice best"):
        prefix = name.split()[0]
        candidates = [round_value(results, n, r, metric, higher_better, names) for n in names if n.startswith(prefix)]
        candidates = [c for c in candidates if c is not None]
        if not candidates:
            return None
        return max(candidates) if higher_better else min(candidates)
    runs = [x for x in results.get(name, []) if x.get("round") == r and ok(x)]
    return runs[0].get(metric) if runs else None


def per_round_ratios(results, mine, peer, metric, rounds, names):
    higher = metric not in LOWER_IS_BETTER
    out = []
    for r in range(rounds):
        a = round_value(results, mine, r, metric, higher, names)
        b = round_value(results, peer, r, metric, higher, names)
        if a is not None and b and a == a and b == b:
            out.append(a / b)
    return out


def flagged(results, names):
    """Servers with a failed sample or wrk errors in any round of this workload."""
    notes = []
    for n in names:
        for run in results.get(n, []):
            if not ok(run):
                notes.append(f"{n} round {run['round'] + 1}: failed ({run['failed'][:120]})")
            elif run.get("errors"):
                parts = ", ".join(f"{k} {run[k]}" for k in ("errConnect", "errRead", "errWrite", "errTimeout", "non2xx")
                                  if run.get(k))
                notes.append(f"{n} round {run['round'] + 1}: {run['errors']} wrk errors ({parts})")
    return notes


def render(raw, workloads, buffers, machine, sizes, command, head, body):
    # Per workload (older reports have one count for all).
    rounds_by = raw.get("rounds") or {k: raw["args"]["rounds"] for k in raw["results"]}
    rounds_text = ", ".join(f"{k} {v}" for k, v in rounds_by.items() if k in raw["results"] or k == "pressure")
    lines = [f"# Sluice vs nginx and lighttpd — {datetime.date.today().isoformat()}", "",
             f"Machine: {machine}.", "",
             f"Command: `{command}` — {raw['elapsedSeconds'] / 60:.1f} min, rounds: {rounds_text}, throughput samples "
             f"≥ {raw['args']['sample_seconds']:g} s of transfer each (downloads repeated within a sample), "
             f"wrk runs {raw['args']['wrk_seconds']} s. Files: {sizes['big'] // MiB} MiB (warm and cold), "
             f"{sizes['mid'] // MiB} MiB, 4 KiB, 100 KiB.", "",
             f"Load before: `{raw['loadBefore']}`; after: `{raw['loadAfter']}` (other work shares this machine).", "",
             "Every figure: median over rounds (min–max). CPU: `cpu` = the server's processes, all threads, from "
             "`/proc/PID/task/*/schedstat` (ns); `machine` = busy time of the whole machine from /proc/stat "
             "**without steal** (it includes curl/wrk, the kernel's loopback receive work and whatever else runs on the machine: read it only when the load average is low); `steal` = time the "
             "hypervisor ran someone else. Each workload runs with only its own servers started; "
             "`idle` below is what the servers not under test used meanwhile.", "",
             f"nginx output_buffers used: nginx-copy `{buffers['nginx-copy']}`, nginx-aio `{buffers['nginx-aio']}`.", ""]
    lines += head
    all_flags = []
    idle_max = [0.0, ""]
    for key, (title, names) in workloads.items():
        results = raw["results"].get(key)
        if results is None:
            continue
        lines += [f"## {key}: {title}", "", "| server | " + " | ".join(COLUMNS[key]) + " | errors |",
                  "|---|" + "---|" * (len(COLUMNS[key]) + 1)]
        for n in names:
            if n not in results:
                continue  # a report from before this server joined the workload
            runs = results[n]
            errs = sum(r.get("errors", 0) for r in runs if ok(r)) + sum(1 for r in runs if not ok(r))
            lines.append(f"| {n} | " + " | ".join(spread(values(runs, c)) for c in COLUMNS[key])
                         + f" | {'⚠ ' + str(errs) if errs else '0'} |")
            for run in runs:
                rate = run.get("idleServersMs", 0) / run["wallS"] if ok(run) and run.get("wallS") else 0
                if rate > idle_max[0]:
                    idle_max = [rate, f"{run.get('idleBusiest', '?')} while {key} ran {n}"]
        flags = flagged(results, names)
        all_flags += [f"{key}: {f}" for f in flags]
        if flags:
            lines += ["", "**Flagged:** " + "; ".join(flags)]
        lines.append("")

    lines += ["## Ratios (per-round ratio: median (min–max))", "",
              "Each ratio is taken within a round (mine ÷ peer), so both sides saw the same phase of the "
              "machine. `nginx best` / `sluice best` = the best configuration of each in that round. "
              "A ratio whose per-round range straddles 1.0 is **unresolved**. For throughput higher is better; "
              "for CPU per unit and p99 lower is better.", "",
              "| workload | metric | mine ÷ peer | ratio | verdict |", "|---|---|---|---|---|"]
    for key, (_, names) in workloads.items():
        results = raw["results"].get(key)
        if results is None:
            continue
        metric = HEADLINE[key]
        # "sluice best" only where Sluice runs in more than one configuration.
        headline = [p for p in HEADLINE_PAIRS if all(x in names or x.endswith(" best") for x in p)
                    and (p[0] != "sluice best" or sum(n.startswith("sluice") for n in names) > 1)]
        pairs = headline + [p for p in LIKE_FOR_LIKE.get(key, []) if all(x in names for x in p)]
        rows = [(metric, p) for p in pairs] + [(m, p) for m in SECONDARY[key] for p in headline]
        rows += [(m, p) for m, p in ENGINE_ROWS.get(key, []) if all(x in names for x in p)]
        for m, (mine, peer) in rows:
            ratios = per_round_ratios(results, mine, peer, m, rounds_by[key], names)
            lines.append(f"| {key} | {m} | {mine} ÷ {peer} | {ratio_cell(ratios)} | "
                         f"{verdict(ratios, m not in LOWER_IS_BETTER)} |")
    lines.append("")
    best_counts = nginx_best_counts(raw["results"], workloads, rounds_by)
    if best_counts:
        lines += ["nginx's best configuration per round (headline metric): " + "; ".join(best_counts) + ".", ""]
    lines += [f"Idle cost: the servers not under test used at most {num(idle_max[0])} ms of CPU per second together "
              f"during any one sample (most of it {idle_max[1] or '–'}), of the 2,000 ms/s of this machine.", ""]
    samples = [run for res in raw["results"].values() for runs in res.values() for run in runs if ok(run)]
    ticks = sum(run.get("cpuTicks", 0) for run in samples)
    lines += [f"Server CPU: per-thread schedstat (ns) in {len(samples) - ticks} of {len(samples)} samples; in {ticks} a "
              "thread of the server exited mid-sample and the processes' utime+stime (10 ms ticks) was used.", ""]
    if "w4" in raw["results"]:
        rss = med(values(raw["results"]["w4"]["sluice-auto"], "rssMiB"))
        lines += [f"Sluice resident memory high-water during w4: {num(rss)} MiB (target ≤ 64 MiB).", ""]
    if "w3" in raw["results"]:
        lines += ["w3 `residentPct`: percentage of the cold file in the page cache after the sample's last "
                  "download: direct I/O leaves it out, sendfile and copies pull it in.", ""]
    lines += ["Runs with errors: " + ("; ".join(all_flags) if all_flags else "none") + ".", ""]
    lines += body
    return "\n".join(lines) + "\n"


def nginx_best_counts(results_by_w, workloads, rounds):
    """rounds: {workload: count}."""
    out = []
    for key, (_, names) in workloads.items():
        results = results_by_w.get(key)
        if results is None:
            continue
        metric = HEADLINE[key]
        counts = {}
        for r in range(rounds[key]):
            vals = {n: round_value(results, n, r, metric, True, names) for n in names if n.startswith("nginx")}
            vals = {n: v for n, v in vals.items() if v is not None}
            if vals:
                best = max(vals, key=vals.get)
                counts[best] = counts.get(best, 0) + 1
        out.append(f"{key}: " + ", ".join(f"{n} {c}×" for n, c in sorted(counts.items(), key=lambda kv: -kv[1])))
    return out
