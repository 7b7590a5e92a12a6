"""Sluice over TLS beside nginx over TLS, interleaved, on loopback. Called by bench/tls.sh.

Both servers get the same self-signed RSA-2048 certificate (made with openssl for this run), and
every client offers one cipher only, so the servers cannot differ by cipher: TLS 1.3
TLS_AES_128_GCM_SHA256 (and ECDHE-RSA-AES128-GCM-SHA256 should a client fall back to 1.2). The
restriction is an OpenSSL configuration file named by OPENSSL_CONF, which curl, wrk and both
servers (nginx, and .NET's SslStream through the system libssl) read; the report records the
protocol and cipher each server actually negotiated, as curl saw it.

Workloads: 1 GiB warm (one curl at a time), 1 GiB cold (evicted before each download; the disk
engine's read path for Sluice, `aio threads; directio 4m` for nginx-aio), and 4 KiB with
`wrk -t2 -c64` (wrk speaks https). Figures are MB/s, whole-machine busy CPU per GiB (/proc/stat,
without steal) and requests/s; medians with min–max over rounds, ratios per round."""
import argparse
import os
import subprocess
import tempfile
import time

from benchlib import GiB, KiB, MiB, Server, free_port, nginx_server, warm, write_random_file
from stats import ratio_cell, spread, verdict
import workloads

OPENSSL_CNF = """openssl_conf = openssl_init
[openssl_init]
ssl_conf = ssl_sect
[ssl_sect]
system_default = system_default_sect
[system_default_sect]
MinProtocol = TLSv1.2
Ciphersuites = TLS_AES_128_GCM_SHA256
CipherString = ECDHE-RSA-AES128-GCM-SHA256
"""


class TlsServer(Server):
    def url(self, name):
        return f"https://localhost:{self.port}/{name}"


def sluice_tls(binary, data, cert, key):
    port = free_port()
    return TlsServer("sluice-tls", [binary, "serve", data, "--port", str(port), "--quiet", "--strategy", "auto",
                                    "--tls-cert", cert, "--tls-key", key], port)


def nginx_tls(name, directive, data, workdir, cert, key):
    return nginx_server(name, directive, data, workdir, tls=(cert, key), server_class=TlsServer)


def negotiated(server):
    """Protocol and cipher as curl reports them (curl -v)."""
    err = subprocess.run(["curl", "-sv", "-o", "/dev/null", server.url("small.bin")],
                         capture_output=True, text=True, timeout=30).stderr
    for line in err.splitlines():
        if "SSL connection using" in line:
            return line.split("using", 1)[1].strip()
    return "unknown"


def log(message):
    print(f"[tls {time.strftime('%H:%M:%S')}] {message}", flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sluice", required=True)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--quick", action="store_true", help="256 MiB files, 1 round, 1 s samples, 3 s wrk: a smoke test")
    ap.add_argument("--out")
    args = ap.parse_args()
    rounds = 1 if args.quick else args.rounds
    size = 256 * MiB if args.quick else GiB
    sample_s, wrk_s = (1.0, 3) if args.quick else (3.0, 8)

    workdir = tempfile.mkdtemp(prefix="sluice-tls-", dir="/var/tmp")
    data = os.path.join(workdir, "data")
    os.makedirs(data)
    cert, key, cnf = (os.path.join(workdir, n) for n in ("cert.pem", "key.pem", "openssl.cnf"))
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert,
                    "-days", "2", "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"],
                   check=True, capture_output=True)
    with open(cnf, "w") as f:
        f.write(OPENSSL_CNF)
    # Inherited by curl, wrk and the servers started below.
    os.environ["OPENSSL_CONF"] = cnf
    os.environ["CURL_CA_BUNDLE"] = cert
    for name, n in (("warm.bin", size), ("cold.bin", size), ("small.bin", 4 * KiB)):
        write_random_file(os.path.join(data, name), n)
    for name in ("warm.bin", "small.bin"):
        warm(os.path.join(data, name))

    logfile = open(os.path.join(workdir, "servers.log"), "w")
    servers = [sluice_tls(args.sluice, data, cert, key),
               nginx_tls("nginx-tls", "sendfile on; tcp_nopush on;", data, workdir, cert, key),
               nginx_tls("nginx-tls-aio", "sendfile on; aio threads; directio 4m; output_buffers 4 1m;", data, workdir, cert, key)]
    results = {s.name: {"warm": [], "cold": [], "w4": []} for s in servers}
    ciphers = {}
    load_before = os.getloadavg()
    try:
        for s in servers:
            s.start(logfile)
            ciphers[s.name] = negotiated(s)
            log(f"{s.name}: {ciphers[s.name]}")
        for r in range(rounds):
            order = servers[r % len(servers):] + servers[:r % len(servers)]
            for s in order:
                idle = [o for o in servers if o is not s]
                log(f"round {r + 1}/{rounds}: {s.name}")
                results[s.name]["warm"].append(workloads.download(s, idle, "warm.bin", size, sample_s))
                results[s.name]["cold"].append(workloads.cold(s, idle, os.path.join(data, "cold.bin"), "cold.bin", size,
                                                               args.sluice, sample_s))
                results[s.name]["w4"].append(workloads.wrk(s, idle, "small.bin", wrk_s))
    finally:
        for s in servers:
            s.stop()
        logfile.close()

    lines = [f"# Sluice TLS beside nginx TLS ({time.strftime('%Y-%m-%d %H:%M')})", "",
             f"Machine: `{os.uname().release}`, {os.cpu_count()} cores; load before {load_before[0]:.1f}, "
             f"after {os.getloadavg()[0]:.1f}. {rounds} round(s), files of {size // MiB} MiB"
             f"{' (--quick: a smoke test, not a measurement)' if args.quick else ''}.", "",
             "Negotiated: " + "; ".join(f"{n}: {c}" for n, c in ciphers.items()), "",
             "| server | warm MB/s | warm machine ms/GiB | cold MB/s | cold machine ms/GiB | cold resident % | 4 KiB req/s | 4 KiB p99 ms | wrk errors |",
             "|---|---|---|---|---|---|---|---|---|"]
    for name, r in results.items():
        lines.append(f"| {name} | {spread([x['mbps'] for x in r['warm']])} | {spread([x['machineMsPerGiB'] for x in r['warm']])} "
                     f"| {spread([x['mbps'] for x in r['cold']])} | {spread([x['machineMsPerGiB'] for x in r['cold']])} "
                     f"| {spread([x['residentPct'] for x in r['cold']])} | {spread([x['rps'] for x in r['w4']])} "
                     f"| {spread([x['p99Ms'] for x in r['w4']])} | {sum(x['errors'] for x in r['w4'])} |")
    mine = results["sluice-tls"]
    lines += ["", "Ratios sluice-tls ÷ peer, per round (median, min–max):", "",
              "| peer | warm MB/s | warm CPU/GiB | cold MB/s | cold CPU/GiB | 4 KiB req/s |", "|---|---|---|---|---|---|"]
    for peer in (n for n in results if n != "sluice-tls"):
        cells = []
        for key, field, higher in (("warm", "mbps", True), ("warm", "machineMsPerGiB", False), ("cold", "mbps", True),
                                   ("cold", "machineMsPerGiB", False), ("w4", "rps", True)):
            ratios = [a[field] / b[field] for a, b in zip(mine[key], results[peer][key]) if b[field]]
            cells.append(f"{ratio_cell(ratios)} {verdict(ratios, higher)}")
        lines.append(f"| {peer} | " + " | ".join(cells) + " |")
    report = "\n".join(lines) + "\n"
    print(report)
    out = args.out or os.path.join(os.path.dirname(__file__), "results", f"tls-{time.strftime('%Y-%m-%d')}.md")
    with open(out, "w") as f:
        f.write(report)
    log(f"report: {out}")


if __name__ == "__main__":
    main()
