#!/usr/bin/env python3
"""A month of Huế's SOC traffic end to end: 2 million ECS events posted as NDJSON (5,000 a post) to a live
`hues serve --demo` with a unit's ingest key, each read, matched against the rules, stored with its alerts. Reports
events a second, the server's peak RSS, and then a 10x burst (many posters at once) to show the gate shedding with
503 while memory stays bounded.

    Benchmarks/soc_ingest.py --hues .build/release/hues [--events 2000000] [--burst-posters 16]

Events are made from the differential test's corpus (Benchmarks/sigma_pysigma_rate.py's generator), so about one in
six matches a rule; timestamps are rewritten to now so none is filed as out of range.
"""
import argparse
import concurrent.futures
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
sys.path.insert(0, os.path.join(ROOT, "Benchmarks"))
import sigma_pysigma_rate  # noqa: E402


def request(base, method, path, body=None, headers=None):
    req = urllib.request.Request(base + path, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=300) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def rss_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0


def batches(count, size=5000):
    with tempfile.NamedTemporaryFile(suffix=".ndjson", delete=False) as f:
        path = f.name
    sigma_pysigma_rate.generate(min(count, 100_000), path)
    now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    with open(path, encoding="utf-8") as f:
        lines = []
        for line in f:
            event = json.loads(line)
            event["@timestamp"] = now
            lines.append(json.dumps(event, separators=(",", ":")))
    os.unlink(path)
    bodies = ["\n".join(lines[i:i + size]).encode() for i in range(0, len(lines), size)]
    sent = 0
    while sent < count:
        for body in bodies:
            if sent >= count:
                return
            yield body
            sent += size


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--hues", required=True)
    parser.add_argument("--events", type=int, default=2_000_000)
    parser.add_argument("--posters", type=int, default=2)
    parser.add_argument("--burst-posters", type=int, default=16)
    parser.add_argument("--port", type=int, default=18093)
    args = parser.parse_args()
    data = tempfile.mkdtemp(prefix="hues-soc-bench-")
    env = dict(os.environ, HUES_DATA_DIR=data, HUES_PORT=str(args.port), HUES_LOG_LEVEL="warning", HUES_MAX_BODY_SIZE="8388608")
    server = subprocess.Popen([args.hues, "serve", "--demo"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{args.port}"
    try:
        for _ in range(600):
            try:
                if request(base, "GET", "/health")[0] == 200:
                    break
            except OSError:
                pass
            time.sleep(0.5)
        status, body = request(base, "POST", "/api/v1/auth/token", json.dumps({"username": "soc", "password": "demo-soc-2026"}).encode(),
                               {"Content-Type": "application/json"})
        token = json.loads(body)["access_token"]
        status, body = request(base, "POST", "/api/v1/security/ingest-keys", json.dumps({"unit": "phuong-phu-xuan", "label": "bench"}).encode(),
                               {"Content-Type": "application/json", "Authorization": f"Bearer {token}"})
        key = json.loads(body)["key"]
        headers = {"Content-Type": "application/x-ndjson", "X-HueS-Ingest-Key": key}
        peak = [rss_mb(server.pid)]
        stop = threading.Event()

        def watch():
            while not stop.is_set():
                peak[0] = max(peak[0], rss_mb(server.pid))
                time.sleep(0.2)

        threading.Thread(target=watch, daemon=True).start()
        totals = {"accepted": 0, "malformed": 0, "alerts": 0, "shed": 0}
        lock = threading.Lock()

        def post(body):
            while True:
                status, answer = request(base, "POST", "/api/v1/security/events", body, headers)
                if status == 503:
                    with lock:
                        totals["shed"] += 1
                    time.sleep(0.2)
                    continue
                receipt = json.loads(answer)
                with lock:
                    for name in ("accepted", "malformed", "alerts"):
                        totals[name] += receipt[name]
                return

        started = time.time()
        with concurrent.futures.ThreadPoolExecutor(args.posters) as pool:
            list(pool.map(post, batches(args.events)))
        took = time.time() - started
        month = dict(totals, seconds=round(took, 1), events_per_second=round(totals["accepted"] / took), peak_rss_mb=round(peak[0]))
        print("month:", json.dumps(month))
        totals.update(accepted=0, malformed=0, alerts=0, shed=0)
        peak[0] = rss_mb(server.pid)
        started = time.time()
        with concurrent.futures.ThreadPoolExecutor(args.burst_posters) as pool:
            list(pool.map(post, batches(args.burst_posters * 5000 * 4)))
        took = time.time() - started
        stop.set()
        burst = dict(totals, posters=args.burst_posters, seconds=round(took, 1), peak_rss_mb=round(peak[0]))
        print("burst:", json.dumps(burst))
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
