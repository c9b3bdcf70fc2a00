#!/usr/bin/env python3
"""Sustained mixed load (Benchmarks/mixed_load.lua: 70 % public reads, 25 % signed-in reads, 5 % Open311 filings)
against the release build, on SQLite with one instance or on PostgreSQL with one or two, with each server's memory
sampled every 10 s. Prints requests/s, p99 and errors per instance, and the resident memory at start, peak and end.

  swift build -c release --product hues
  python3 Benchmarks/mixed_load.py --seconds 60                                   # SQLite, as fast as it goes
  python3 Benchmarks/mixed_load.py --postgres postgres://u:p@127.0.0.1/postgres --instances 2 --seconds 60
  python3 Benchmarks/mixed_load.py --seconds 3600 --rate 200 --connections 4      # a paced one-hour soak
  python3 Benchmarks/mixed_load.py --posts-only --seconds 15                       # Open311 filings only, beside
                                                                                  # the raw SQLite ceiling (#16)
"""
import argparse
import base64
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from urllib.parse import urlparse, urlunparse

import requests

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_mib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


class Server:
    def __init__(self, binary, database, key, first, public_url=None):
        self.port = free_port()
        self.base = "http://127.0.0.1:%d" % self.port
        # Instances behind one balancer share one public URL: it is the issuer of every token.
        public_url = public_url or self.base
        self.data = tempfile.mkdtemp(prefix="hues-load-")
        env = dict(os.environ, HUES_DATA_DIR=self.data, HUES_PORT=str(self.port), HUES_PUBLIC_URL=public_url, HUES_MASTER_KEY=key,
                   HUES_LOG_LEVEL="error", HUES_ACCESS_TOKEN_TTL="86400", HUES_SIGN_IN_RATE_LIMIT="100000", HUES_PASSWORD_HASH_COST="6")
        if database:
            env["HUES_DATABASE_URL"] = database
        self.process = subprocess.Popen([binary, "serve"] + (["--demo"] if first else []), env=env,
                                        stdout=open(os.path.join(self.data, "serve.log"), "w"), stderr=subprocess.STDOUT)
        deadline = time.time() + 120
        while time.time() < deadline:
            try:
                if requests.get(self.base + "/health", timeout=1).status_code == 200:
                    return
            except requests.RequestException:
                time.sleep(0.3)
        raise RuntimeError("the server did not start: " + open(os.path.join(self.data, "serve.log")).read()[-2000:])

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=30)
        shutil.rmtree(self.data, ignore_errors=True)


def sign_in(base, username, password):
    response = requests.post(base + "/api/v1/auth/token", json={"username": username, "password": password}, timeout=10)
    response.raise_for_status()
    return response.json()["access_token"]


def wrk(base, seconds, connections, token, key, delay_ms, post_share):
    env = dict(os.environ, HUES_TOKEN=token, HUES_OPEN311_KEY=key, HUES_DELAY_MS=str(delay_ms), HUES_POST_SHARE=str(post_share))
    out = subprocess.run(["wrk", "-t1", "-c%d" % connections, "-d%ds" % seconds, "--timeout", "10s", "--latency",
                          "-s", os.path.join(ROOT, "Benchmarks", "mixed_load.lua"), base],
                         env=env, capture_output=True, text=True, check=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p99 = re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1)
    total = int(re.search(r"(\d+) requests in", out).group(1))
    non2xx = int((re.search(r"Non-2xx or 3xx responses: (\d+)", out) or [0, 0])[1])
    socket_errors = sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", out))
    if non2xx + socket_errors:
        print("wrk: " + " ".join(re.findall(r"(?:Non-2xx[^\n]*|Socket errors[^\n]*)", out)), file=sys.stderr)
    return {"rate": rate, "p99": p99, "requests": total, "errors": non2xx + socket_errors}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--postgres", help="admin URL of a PostgreSQL server (a fresh database is made on it)")
    parser.add_argument("--instances", type=int, default=1)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--connections", type=int, default=16, help="per instance")
    parser.add_argument("--rate", type=float, default=0, help="requests per second per instance (0: unpaced)")
    parser.add_argument("--binary", default=os.path.join(ROOT, ".build", "release", "hues"))
    parser.add_argument("--posts-only", action="store_true", help="only Open311 filings, then the raw SQLite ceiling on the same disk")
    parser.add_argument("--perf", metavar="FILE", help="record a perf profile (call graphs) of the first instance during the load")
    args = parser.parse_args()
    if args.instances > 1 and not args.postgres:
        sys.exit("several instances need --postgres")
    if shutil.which("wrk") is None:
        sys.exit("wrk is missing: apt-get install -y wrk")
    database, name = None, None
    if args.postgres:
        name = "hues_load_" + uuid.uuid4().hex[:10]
        subprocess.run(["psql", args.postgres, "-q", "-c", "CREATE DATABASE " + name], check=True)
        database = urlunparse(urlparse(args.postgres)._replace(path="/" + name))
    key = base64.b64encode(os.urandom(32)).decode()
    servers = []
    try:
        servers.append(Server(args.binary, database, key, first=True))
        for _ in range(1, args.instances):
            servers.append(Server(args.binary, database, key, first=False, public_url=servers[0].base))
        base = servers[0].base
        admin = sign_in(base, "admin", "demo-admin-2026")
        client = requests.post(base + "/api/v1/open311/clients", headers={"Authorization": "Bearer " + admin}, json={"name": "load"}, timeout=10)
        client.raise_for_status()
        open311_key = client.json()["apiKey"]
        token = sign_in(base, "citizen", "demo-citizen-2026")
        delay_ms = int(args.connections * 1000 / args.rate) if args.rate else 0

        samples = {s.port: [] for s in servers}
        stop = threading.Event()

        def sample():
            while not stop.is_set():
                for s in servers:
                    samples[s.port].append((time.time(), rss_mib(s.process.pid)))
                stop.wait(10)
        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        results = [None] * len(servers)

        def load(index):
            results[index] = wrk(servers[index].base, args.seconds, args.connections, token, open311_key, delay_ms,
                                 100 if args.posts_only else 5)
        threads = [threading.Thread(target=load, args=(i,)) for i in range(len(servers))]
        for t in threads:
            t.start()
        profiler = None
        if args.perf:
            # Skip the first second so the profile shows the steady state, not the warm-up.
            time.sleep(1)
            profiler = subprocess.Popen(["perf", "record", "-g", "-o", args.perf, "-p", str(servers[0].process.pid),
                                         "--", "sleep", str(max(1, args.seconds - 2))],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for t in threads:
            t.join()
        if profiler:
            profiler.wait()
        stop.set()
        sampler.join()

        kind = "PostgreSQL" if database else "SQLite"
        print("%s on %s, %d instance(s), %d s, %d connections each%s, %d cores" % (
            "Open311 filings" if args.posts_only else "mixed load", kind, len(servers), args.seconds, args.connections, ", paced at %.0f req/s" % args.rate if args.rate else "", os.cpu_count()))
        for s, r in zip(servers, results):
            rss = [m for _, m in samples[s.port]]
            print("  instance :%d  %9.1f req/s  p99 %-9s  %d requests, %d errors  RSS start %.0f MiB, peak %.0f MiB, end %.0f MiB" % (
                s.port, r["rate"], r["p99"], r["requests"], r["errors"], rss[0], max(rss), rss[-1]))
            if args.seconds >= 600:
                marks = [(t - samples[s.port][0][0], m) for t, m in samples[s.port]][::60]
                print("    RSS every 10 min: " + ", ".join("%.0f min %.0f MiB" % (t / 60, m) for t, m in marks))
        print("  total %.1f req/s, %d errors" % (sum(r["rate"] for r in results), sum(r["errors"] for r in results)))
        if args.posts_only and not database:
            wal = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(servers[0].data) for f in fs if f.endswith("-wal"))
            print("  WAL after the load: %.1f MiB" % (wal / 1048576))
            ceiling = subprocess.run([sys.executable, os.path.join(ROOT, "Benchmarks", "sqlite_ceiling.py"), "--seconds", "10",
                                      "--folder", servers[0].data], capture_output=True, text=True, check=True).stdout.strip()
            rate = float(re.search(r"ceiling: (\d+)", ceiling).group(1))
            print("  " + ceiling)
            print("  filings are %.1f %% of the raw rate (target 25 %%)" % (100 * sum(r["rate"] for r in results) / rate))
    finally:
        for s in servers:
            s.stop()
        if name:
            subprocess.run(["psql", args.postgres, "-q", "-c", "DROP DATABASE IF EXISTS %s WITH (FORCE)" % name])


if __name__ == "__main__":
    main()
