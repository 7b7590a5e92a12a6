"""`sluice get` beside aria2c and curl on one 1 GiB file, from nginx and from Sluice. Called by bench/get.sh.

Each round runs every client against every server in a rotating order; a sample is one whole
download into tmpfs, timed around the client process, with whole-machine busy CPU (from /proc/stat,
steal excluded) over the same interval. Every download is checked by SHA-256 after its sample (not
inside it). Sluice is asked once for the file's Repr-Digest before the rounds, so `sluice get`
verifies against it when the server offers one (that hashing is part of its figure); nginx offers
none, so there `sluice get` writes without hashing, like the other clients."""
import argparse
import hashlib
import os
import subprocess
import tempfile
import time

from benchlib import GiB, MiB, Server, free_port, machine_cpu_ms, nginx_server, warm, write_random_file
from stats import ratio_cell, spread, verdict

CLIENTS = ("sluice-get", "aria2c-x8", "curl")


def log(message):
    print(f"[get {time.strftime('%H:%M:%S')}] {message}", flush=True)


def client_argv(client, sluice, url, out):
    if client == "sluice-get":
        return [sluice, "get", url, "-o", out, "--connections", "8", "--quiet"]
    if client == "aria2c-x8":
        return ["aria2c", "-q", "-x8", "-s8", "-k1M", "--file-allocation=falloc", "--allow-overwrite=true",
                "--auto-file-renaming=false", "-d", os.path.dirname(out), "-o", os.path.basename(out), url]
    return ["curl", "-sf", "-o", out, url]


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(8 * MiB):
            h.update(chunk)
    return h.hexdigest()


def sample(client, sluice, url, out, size):
    for stale in (out, out + ".part", out + ".sluice-get", out + ".aria2"):
        if os.path.exists(stale):
            os.unlink(stale)
    m0, _ = machine_cpu_ms()
    t0 = time.perf_counter()
    subprocess.run(client_argv(client, sluice, url, out), check=True, timeout=600)
    wall = time.perf_counter() - t0
    m1, _ = machine_cpu_ms()
    if os.path.getsize(out) != size:
        raise RuntimeError(f"{client} {url}: {os.path.getsize(out)} bytes, expected {size}")
    return {"mbps": size / wall / 1e6, "machineMsPerGiB": (m1 - m0) / (size / GiB), "wallS": wall}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sluice", required=True)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--quick", action="store_true", help="128 MiB, 1 round: a smoke test")
    ap.add_argument("--out")
    args = ap.parse_args()
    rounds = 1 if args.quick else args.rounds
    size = 128 * MiB if args.quick else GiB

    workdir = tempfile.mkdtemp(prefix="sluice-getbench-", dir="/var/tmp")
    data = os.path.join(workdir, "data")
    os.makedirs(data)
    src = os.path.join(data, "big.bin")
    write_random_file(src, size)
    warm(src)
    expected = sha256(src)
    outdir = tempfile.mkdtemp(prefix="sluice-getbench-", dir="/dev/shm")
    out = os.path.join(outdir, "big.bin")

    port = free_port()
    servers = [Server("sluice", [args.sluice, "serve", data, "--port", str(port), "--quiet"], port),
               nginx_server("nginx", "sendfile on; tcp_nopush on;", data, workdir)]
    results = {(s.name, c): [] for s in servers for c in CLIENTS}
    verified = {}
    logfile = open(os.path.join(workdir, "servers.log"), "w")
    load_before = os.getloadavg()
    try:
        for s in servers:
            s.start(logfile)
        # Ask Sluice for the digest so it is computed before the rounds (it is computed off the
        # request path; the first answer may come without it).
        for _ in range(50):
            head = subprocess.run(["curl", "-sI", "-H", "Want-Repr-Digest: sha-256=10", servers[0].url("big.bin")],
                                  capture_output=True, text=True, timeout=30).stdout
            verified["sluice"] = "repr-digest" in head.lower()
            if verified["sluice"]:
                break
            time.sleep(0.2)
        verified["nginx"] = False
        combos = [(s, c) for s in servers for c in CLIENTS]
        for r in range(rounds):
            k = r % len(combos)
            for s, c in combos[k:] + combos[:k]:
                log(f"round {r + 1}/{rounds}: {c} from {s.name}")
                results[(s.name, c)].append(sample(c, args.sluice, s.url("big.bin"), out, size))
                if sha256(out) != expected:
                    raise RuntimeError(f"{c} from {s.name}: SHA-256 differs")
    finally:
        for s in servers:
            s.stop()
        logfile.close()
        for name in os.listdir(outdir):
            os.unlink(os.path.join(outdir, name))
        os.rmdir(outdir)

    lines = [f"# sluice get beside aria2c -x8 and curl ({time.strftime('%Y-%m-%d %H:%M')})", "",
             f"Machine: `{os.uname().release}`, {os.cpu_count()} cores; load before {load_before[0]:.1f}, after "
             f"{os.getloadavg()[0]:.1f}. {rounds} round(s), one {size // MiB} MiB file, warm in the page cache, "
             f"downloaded over loopback into tmpfs{' (--quick: a smoke test, not a measurement)' if args.quick else ''}. "
             "Loopback has no latency for parallel connections to hide: this measures their overhead.", "",
             f"Sluice offered Repr-Digest (so sluice get hashed the result): {verified['sluice']}.", "",
             "| server | client | MB/s | machine ms/GiB |", "|---|---|---|---|"]
    for (server, client), r in results.items():
        lines.append(f"| {server} | {client} | {spread([x['mbps'] for x in r])} | {spread([x['machineMsPerGiB'] for x in r])} |")
    lines += ["", "Ratios sluice get ÷ peer client, same server, per round (median, min–max):", "",
              "| server | peer | MB/s | machine CPU/GiB |", "|---|---|---|---|"]
    for s in servers:
        mine = results[(s.name, "sluice-get")]
        for peer in CLIENTS[1:]:
            theirs = results[(s.name, peer)]
            cells = []
            for field, higher in (("mbps", True), ("machineMsPerGiB", False)):
                ratios = [a[field] / b[field] for a, b in zip(mine, theirs) if b[field]]
                cells.append(f"{ratio_cell(ratios)} {verdict(ratios, higher)}")
            lines.append(f"| {s.name} | {peer} | " + " | ".join(cells) + " |")
    report = "\n".join(lines) + "\n"
    print(report)
    dest = args.out or os.path.join(os.path.dirname(__file__), "results", f"get-{time.strftime('%Y-%m-%d')}.md")
    with open(dest, "w") as f:
        f.write(report)
    log(f"report: {dest}")


if __name__ == "__main__":
    main()
