"""Shared machinery of the benchmark harness: /proc readers, page-cache helpers, the servers
under test (Sluice and its peers) started and stopped by PID. Imported by compare.py and the
workload modules beside it."""
import os
import signal
import socket
import subprocess
import time

KiB, MiB, GiB = 1 << 10, 1 << 20, 1 << 30
TICK_MS = 1000.0 / os.sysconf("SC_CLK_TCK")

# nginx's three ways to serve a static file. The copy and directio configurations take their
# output_buffers from a short calibration in compare.py (nginx's default, 2 × 32 KiB, makes
# directio a straw man: one 32 KiB O_DIRECT read at a time).
NGINX_CONFIGS = {
    "nginx-sendfile": "sendfile on; tcp_nopush on;",
    "nginx-copy": "sendfile off; output_buffers {buffers};",
    "nginx-aio": "sendfile on; aio threads; directio 4m; output_buffers {buffers};",
}


# ---------------------------------------------------------------- /proc readers

def thread_cpu_ns(pids):
    """{(pid, tid): CPU ns} for every thread of the given processes (schedstat's first field)."""
    out = {}
    for pid in pids:
        try:
            tasks = os.listdir(f"/proc/{pid}/task")
        except FileNotFoundError:
            continue
        for tid in tasks:
            try:
                with open(f"/proc/{pid}/task/{tid}/schedstat") as f:
                    out[(pid, tid)] = int(f.read().split()[0])
            except (FileNotFoundError, ProcessLookupError):
                pass
    return out


def process_ticks_ms(pids):
    """utime+stime of whole processes (exited threads included), at clock-tick resolution."""
    total = 0.0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) * TICK_MS
        except FileNotFoundError:
            pass
    return total


class CpuClock:
    """CPU time of a set of processes between two readings, in ms.

    Per thread from schedstat (ns): threads alive at the end count their growth since the start
    (new threads their whole time). A thread that exits mid-sample takes its time with it; only
    then is the processes' utime+stime used instead (tick resolution, ±10 ms per process, but it
    keeps the time of exited threads). `exact` says which one a reading is."""

    def __init__(self, pids):
        self.pids = pids
        self.threads, self.ticks = thread_cpu_ns(pids), process_ticks_ms(pids)
        self.exact = True

    def elapsed_ms(self):
        now = thread_cpu_ns(self.pids)
        if set(self.threads) - set(now):
            self.exact = False
            return process_ticks_ms(self.pids) - self.ticks
        self.exact = True
        return sum(v - self.threads.get(k, 0) for k, v in now.items()) / 1e6


def cpu_ns(pids):
    return sum(thread_cpu_ns(pids).values())


def machine_cpu_ms():
    """Whole-machine (busy, steal) CPU time in ms from /proc/stat; busy excludes steal (time the
    hypervisor gave to other guests), which is reported on its own."""
    with open("/proc/stat") as f:
        values = [int(v) for v in f.readline().split()[1:9]]
    user, nice, system, idle, iowait, irq, softirq, steal = values
    return (user + nice + system + irq + softirq) * TICK_MS, steal * TICK_MS


def cpu_ms(pids):
    return cpu_ns(pids) / 1e6


def machine_busy_ms():
    return machine_cpu_ms()[0]


def write_random_file(path, size, fsync=True):
    """Writes size random bytes to path unless a file of that size is already there; returns
    whether it wrote. Written pages stay dirty (and so cannot be evicted) until written back:
    fsync=False leaves that to the caller (one os.sync() is cheaper than an fsync per small file)."""
    if os.path.exists(path) and os.path.getsize(path) == size:
        return False
    with open(path, "wb") as f:
        left = size
        while left:
            n = min(left, 16 * MiB)
            f.write(os.urandom(n))
            left -= n
        if fsync:
            f.flush()
            os.fsync(f.fileno())
    return True


def proc_field_sum(pids, name, key):
    # Sums one "key: value" line of /proc/PID/<name> over processes; a process that has exited
    # counts as nothing.
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/{name}") as f:
                for line in f:
                    if line.startswith(key):
                        total += int(line.split()[1])
        except (FileNotFoundError, ProcessLookupError):
            pass
    return total


def context_switches(pids):
    """Voluntary + involuntary context switches of every thread of the processes: /proc/PID/status
    counts only the thread it names, so the tasks are summed (threads that exited are lost)."""
    total = 0
    for pid in pids:
        try:
            tasks = os.listdir(f"/proc/{pid}/task")
        except (FileNotFoundError, ProcessLookupError):
            continue
        for tid in tasks:
            total += proc_field_sum([f"{pid}/task/{tid}"], "status", "voluntary_ctxt_switches")
            total += proc_field_sum([f"{pid}/task/{tid}"], "status", "nonvoluntary_ctxt_switches")
    return total


def rss_kib(pids):
    return proc_field_sum(pids, "status", "VmRSS:")


def disk_read_bytes(pids):
    # Bytes these processes caused to be read from the block layer (read-ahead and O_DIRECT
    # included). The v1 blkio cgroup's counters stay at zero unless throttling is switched on for
    # the device, which would touch every other user of the disk.
    return proc_field_sum(pids, "io", "read_bytes:")


def children_of(pid):
    kids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    if int(f.read().rsplit(")", 1)[1].split()[1]) == pid:
                        kids.append(int(entry))
            except (FileNotFoundError, ProcessLookupError, IndexError):
                pass
    return kids


def evict(path):
    fd = os.open(path, os.O_RDONLY)
    try:
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
    finally:
        os.close(fd)


def warm(path):
    with open(path, "rb") as f:
        while f.read(8 * MiB):
            pass


# ---------------------------------------------------------------- servers

def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, timeout=20):
    deadline = time.time() + timeout
    while time.time() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port}")


class Server:
    def __init__(self, name, argv, port, stop_signal=None):
        self.name, self.argv, self.port, self.proc = name, argv, port, None
        # Sluice stops on SIGTERM, nginx gracefully on SIGQUIT; others say which signal they need.
        self.stop_signal = stop_signal or (signal.SIGTERM if name.startswith("sluice") else signal.SIGQUIT)

    def start(self, log):
        self.proc = subprocess.Popen(self.argv, stdout=log, stderr=log, start_new_session=True)
        wait_port(self.port)

    def pids(self):
        return [self.proc.pid] + children_of(self.proc.pid)

    def url(self, name):
        return f"http://127.0.0.1:{self.port}/{name}"

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(self.stop_signal)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def sluice_server(binary, data, variant):
    """variant: a strategy ("direct"), optionally with a disk engine ("direct-threads",
    "direct-io_uring"); without one the server picks its default (auto: io_uring where allowed)."""
    port = free_port()
    strategy, _, engine = variant.partition("-")
    args = [binary, "serve", data, "--port", str(port), "--quiet", "--strategy", strategy]
    if engine:
        args += ["--io-engine", engine]
    return Server(f"sluice-{variant}", args, port)


def nginx_server(name, directive, data, workdir, tls=None, server_class=None):
    """tls: (cert, key) to listen with TLS (same certificate and one cipher as bench/tls.py's Sluice)."""
    port = free_port()
    listen = f"127.0.0.1:{port}"
    tls_lines = ""
    if tls:
        cert, key = tls
        listen += " ssl"
        tls_lines = f"""
        ssl_certificate {cert};
        ssl_certificate_key {key};
        ssl_protocols TLSv1.2 TLSv1.3;
        ssl_ciphers ECDHE-RSA-AES128-GCM-SHA256;
        ssl_conf_command Ciphersuites TLS_AES_128_GCM_SHA256;
        ssl_session_cache shared:SSL:10m;"""
    prefix = os.path.join(workdir, name + "-" + str(port))
    os.makedirs(os.path.join(prefix, "logs"), exist_ok=True)
    conf = os.path.join(prefix, "nginx.conf")
    with open(conf, "w") as f:
        f.write(f"""user root;
worker_processes 2;
pid {prefix}/nginx.pid;
error_log {prefix}/logs/error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    default_type application/octet-stream;
    keepalive_requests 1000000;
    client_body_temp_path {prefix}/body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
    server {{
        listen {listen};{tls_lines}
        root {data};
        location / {{ {directive} }}
    }}
}}
""")
    return (server_class or Server)(name, ["nginx", "-p", prefix, "-c", conf, "-g", "daemon off;"], port)


def lighttpd_server(data, workdir, name="lighttpd"):
    # lighttpd's defaults (one process, the sendfile network backend), with limits raised so a
    # wrk run with keep-alive is not cut short: 100 requests per connection and 1024 descriptors
    # are its stock limits. Its stat cache keeps files open (5,600 descriptors after one pass over
    # the pressure workload's 20,000 hot files), and an open that fails with EMFILE is answered
    # 403, so the descriptor limit is set well above that.
    port = free_port()
    prefix = os.path.join(workdir, name)
    os.makedirs(prefix, exist_ok=True)
    conf = os.path.join(prefix, "lighttpd.conf")
    with open(conf, "w") as f:
        f.write(f"""server.document-root = "{data}"
server.bind = "127.0.0.1"
server.port = {port}
server.pid-file = "{prefix}/lighttpd.pid"
server.errorlog = "{prefix}/error.log"
server.max-fds = 16384
server.max-connections = 2048
server.max-keep-alive-requests = 1000000
server.max-keep-alive-idle = 60
mimetype.assign = ("" => "application/octet-stream")
""")
    # SIGINT is lighttpd's graceful stop; SIGTERM drops transfers in flight.
    return Server(name, ["lighttpd", "-D", "-f", conf], port, stop_signal=signal.SIGINT)
