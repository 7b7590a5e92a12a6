#!/usr/bin/env python3
"""Three Sluice nodes behind HAProxy on loopback, round-robin against URI hashing (issue 13).
Called by deploy/cluster-demo.sh.

Each node serves its own `cp -a` copy of one tree (on one machine the page cache is shared: nodes
serving the same files would share their cache) and runs in its own cgroup-v1 memory cgroup whose
limit is the node's own memory (measured after warming) plus headroom plus --cache, so each node has
a page cache of about --cache. The hot set (--hot-count × --hot-size) is larger than one node's cache and smaller than
three. With round-robin every node serves every file, so each caches a random part of the whole
hot set and misses go to the disk; with `balance uri` + `hash-type consistent` each node serves
its own slice, which fits. The workload, the memory cgroups and the page-cache protocol (evict
before, warm through the server, evict before removing a cgroup) are bench/pressure.py's.

Reported per mode: hot requests/s and p99 (wrk through HAProxy), each node's share of the
requests (HAProxy's runtime API, `show stat`), each node's residency of the hot set (mincore over
its copy) and the part of the hot set resident on at least one node (per file, the most resident
copy: a lower bound).
"""
import argparse
import datetime
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "bench"))
from benchlib import KiB, MiB, free_port, wait_port  # noqa: E402
from pressure import HOT_DIRS, LUA, MEMCG, Cgroup, DataSet, parse_wrk, resident_pages, warm_hot_set  # noqa: E402

NODES = 3
DEPLOY = os.path.dirname(os.path.abspath(__file__))


def log(msg):
    print(f"[cluster {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def haproxy_config(mode, port, sock, node_ports):
    """deploy/haproxy.cfg with loopback addresses; round-robin replaces `balance uri`."""
    with open(os.path.join(DEPLOY, "haproxy.cfg")) as f:
        text = f.read()
    for old, new in (("stats socket /run/haproxy-sluice.sock", f"stats socket {sock}"),
                     ("bind :80", f"bind 127.0.0.1:{port}"),
                     ("log stdout format raw local0 info", "log stdout format raw local0 notice"),
                     ("check inter 2s", "check inter 500ms")):
        if old not in text:
            raise SystemExit(f"deploy/haproxy.cfg no longer contains '{old}'")
        text = text.replace(old, new)
    if mode == "roundrobin":
        text = text.replace("    balance uri\n", "    balance roundrobin\n")
    lines = [l for l in text.split("\n") if not l.strip().startswith("server node")]
    lines += [f"    server node{i + 1} 127.0.0.1:{p}" for i, p in enumerate(node_ports)]
    return "\n".join(lines) + "\n"


def haproxy_stat(sock):
    """{node: (status, total requests)} from the runtime API."""
    with socket.socket(socket.AF_UNIX) as s:
        s.settimeout(5)
        s.connect(sock)
        s.sendall(b"show stat\n")
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    rows = data.decode().strip().split("\n")
    head = rows[0].lstrip("# ").split(",")
    out = {}
    for row in rows[1:]:
        cols = dict(zip(head, row.split(",")))
        if cols["svname"].startswith("node"):
            out[cols["svname"]] = (cols["status"], int(cols["stot"] or 0))
    return out


def hot_residency(ds):
    """Resident pages of each hot file in one copy, and the total pages of the hot set."""
    per_file = [resident_pages(ds.path(name)) for name in ds.hot]
    return [r for r, _ in per_file], sum(t for _, t in per_file)


def stop(proc, sig=signal.SIGTERM):
    """Ends one process this script started, by its PID."""
    if proc and proc.poll() is None:
        proc.send_signal(sig)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def run_mode(mode, args, copies, workdir, lua):
    for ds in copies:
        ds.evict_all()
    cgroups, nodes, haproxy = [], [], None
    logf = open(os.path.join(workdir, f"{mode}.log"), "w")
    try:
        ports = []
        for i, ds in enumerate(copies):
            # Generous at first (the runtime starts up inside it); set to the node's own memory + cache after warming.
            cg = Cgroup(f"sluice-cluster-{os.getpid()}-{mode}-{i + 1}", 1 << 30)
            cgroups.append(cg)
            port = free_port()
            argv = cg.wrap([args.sluice, "serve", ds.root, "--port", str(port), "--quiet", "--trusted-proxy", "127.0.0.1"])
            nodes.append(subprocess.Popen(argv, stdout=logf, stderr=logf, start_new_session=True))
            ports.append(port)
        for port in ports:
            wait_port(port)

        hport = free_port()
        sock = os.path.join(workdir, f"haproxy-{mode}.sock")
        cfg = os.path.join(workdir, f"haproxy-{mode}.cfg")
        with open(cfg, "w") as f:
            f.write(haproxy_config(mode, hport, sock, ports))
        haproxy = subprocess.Popen(["haproxy", "-f", cfg, "-db"], stdout=logf, stderr=logf, start_new_session=True)
        wait_port(hport)
        deadline = time.time() + 20
        while any(s != "UP" for s, _ in haproxy_stat(sock).values()):
            if time.time() > deadline:
                raise RuntimeError(f"nodes not UP: {haproxy_stat(sock)}")
            time.sleep(0.2)

        t0 = time.perf_counter()
        drops = warm_hot_set(hport, copies[0])
        warm_s = time.perf_counter() - t0
        # Now that each node has run its code (JIT, thread pool, buffers), its own memory is known:
        # the limit becomes that (anonymous memory and mapped runtime files) + headroom + --cache.
        # Lowering the limit makes the kernel reclaim the node's page cache down to fit; the
        # headroom keeps growth under load from squeezing the cache (or the OOM killer).
        base = []
        for cg in cgroups:
            stat = cg.memory_stat()
            own = stat["rss"] + stat["mapped_file"] + args.headroom
            base.append(own)
            Cgroup._write(cg.mem, "memory.limit_in_bytes", str(own + args.cache))
        before = haproxy_stat(sock)
        out = subprocess.run(["wrk", "-t2", f"-c{args.connections}", f"-d{args.seconds}s", "--latency", "--timeout", "10s",
                              "-s", lua, f"http://127.0.0.1:{hport}/"], capture_output=True, text=True, timeout=args.seconds + 60)
        after = haproxy_stat(sock)
        if out.returncode != 0:
            raise RuntimeError(f"wrk failed ({out.returncode}): {out.stderr}")
        res = parse_wrk(out.stdout)
        requests = {n: after[n][1] - before[n][1] for n in after}
        total_req = sum(requests.values()) or 1
        per_node, residency = [], []
        for i, ds in enumerate(copies):
            files, t = hot_residency(ds)
            residency.append(files)
            r = sum(files)
            stat = cgroups[i].memory_stat()
            per_node.append({"node": f"node{i + 1}", "requestShare": requests.get(f"node{i + 1}", 0) / total_req,
                             "hotResidentPct": 100.0 * r / t, "hotResidentMiB": r * os.sysconf("SC_PAGE_SIZE") / MiB,
                             "cgroupCacheMiB": stat["cache"] / MiB, "ownMiB": base[i] / MiB,
                             "oomKills": stat.get("oom_kill", 0), "failcnt": stat["memory.failcnt"]})
        anywhere = sum(max(pages) for pages in zip(*residency))
        res.update({"mode": mode, "warmSeconds": warm_s, "warmDrops": drops, "nodes": per_node,
                    "hotResidentAnywherePct": 100.0 * anywhere / t})
        return res
    finally:
        stop(haproxy)
        for n in nodes:
            stop(n)
        # Evict while each cgroup still owns its pages, then remove it (bench/pressure.py's protocol).
        for ds in copies:
            ds.evict_all()
        for cg in cgroups:
            cg.remove()
        logf.close()


def table(results):
    lines = ["| mode | hot req/s | p50 ms | p99 ms | errors | " + " | ".join(f"node{i + 1} req % / hot resident %" for i in range(NODES))
             + " | hot resident on any node % |",
             "|---|---:|---:|---:|---:|" + "---:|" * (NODES + 1)]
    for r in results:
        errs = sum(r["errors"].values())
        cells = " | ".join(f"{n['requestShare'] * 100:.0f} / {n['hotResidentPct']:.0f}" for n in r["nodes"])
        lines.append(f"| {r['mode']} | {r['rps']:.0f} | {r['p50Ms']:.2f} | {r['p99Ms']:.2f} | {errs} | {cells} | {r['hotResidentAnywherePct']:.0f} |")
    return lines


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sluice", required=True)
    ap.add_argument("--data", help="keep the tree and its copies here (default: a temporary directory under /var/tmp)")
    ap.add_argument("--hot-count", type=int, default=9216)
    ap.add_argument("--hot-size", type=int, default=16 * KiB)
    ap.add_argument("--cache", type=int, default=64, help="page cache per node, MiB (the cgroup limit is the node's own memory after warming + --headroom + this)")
    ap.add_argument("--headroom", type=int, default=32, help="MiB above the node's own memory for its growth under load")
    ap.add_argument("--seconds", type=int, default=15)
    ap.add_argument("--connections", type=int, default=32)
    ap.add_argument("--out", help="write the table and the JSON here (FILE.md, FILE.json)")
    args = ap.parse_args()
    args.cache *= MiB
    args.headroom *= MiB
    if os.geteuid() != 0 or not os.path.isdir(MEMCG):
        raise SystemExit("needs root and the cgroup-v1 memory hierarchy at " + MEMCG)
    hot_bytes = args.hot_count * args.hot_size
    # Unused headroom holds page cache too: the hot set must exceed cache + headroom on one node.
    if not args.cache + args.headroom < hot_bytes < NODES * args.cache:
        log(f"warning: the hot set ({hot_bytes / MiB:.0f} MiB) should be larger than one node's cache + headroom "
            f"({(args.cache + args.headroom) / MiB:.0f} MiB) and smaller than {NODES} × cache")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # run the finally blocks: nodes, haproxy, cgroups

    data = args.data or tempfile.mkdtemp(prefix="sluice-cluster-", dir="/var/tmp")
    workdir = tempfile.mkdtemp(prefix="sluice-cluster-run-")
    started = time.time()
    try:
        tree = DataSet(os.path.join(data, "tree"), args.hot_count, args.hot_size, 0, 0)
        tree.ensure()
        copies = []
        for i in range(NODES):
            root = os.path.join(data, f"node{i + 1}")
            if not os.path.isdir(root):
                # cp -a keeps mtimes, so every copy gives the same ETags (deploy/README.md).
                subprocess.run(["cp", "-a", tree.root, root], check=True)
            copies.append(DataSet(root, args.hot_count, args.hot_size, 0, 0))
        os.sync()
        lua = os.path.join(workdir, "hot.lua")
        with open(lua, "w") as f:
            f.write(LUA.format(count=args.hot_count, dirs=HOT_DIRS, seed=13))
        log(f"hot set {args.hot_count} × {args.hot_size // KiB} KiB = {hot_bytes / MiB:.0f} MiB; page cache per node {args.cache / MiB:.0f} MiB; {NODES} nodes")
        results = []
        for mode in ("roundrobin", "uri"):
            log(f"{mode}: starting")
            results.append(run_mode(mode, args, copies, workdir, lua))
            log(f"{mode}: {results[-1]['rps']:.0f} req/s, p99 {results[-1]['p99Ms']:.2f} ms")
        lines = table(results)
        print("\n".join(lines))
        if args.out:
            with open(args.out + ".md", "w") as f:
                f.write(f"# Three Sluice nodes behind HAProxy: round-robin vs URI hash ({datetime.date.today()})\n\n")
                f.write(f"`deploy/cluster-demo.sh {' '.join(sys.argv[3:])}` on {os.uname().release}, load {os.getloadavg()[0]:.1f} at the end; "
                        f"hot set {args.hot_count} × {args.hot_size // KiB} KiB = {hot_bytes / MiB:.0f} MiB, page cache per node {args.cache / MiB:.0f} MiB, "
                        f"wrk -t2 -c{args.connections} -d{args.seconds}s through HAProxy, random hot files.\n\n")
                f.write("\n".join(lines) + "\n")
            with open(args.out + ".json", "w") as f:
                json.dump({"config": {k: v for k, v in vars(args).items() if k != "sluice"}, "results": results}, f, indent=1)
        log(f"done in {time.time() - started:.0f} s")
    finally:
        if not args.data:
            subprocess.run(["rm", "-rf", data], check=False)
        subprocess.run(["rm", "-rf", workdir], check=False)


if __name__ == "__main__":
    main()
