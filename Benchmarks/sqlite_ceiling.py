#!/usr/bin/env python3
"""The ceiling for durable writes on this disk: SQLite committing transactions shaped like an Open311 POST (8 rows
inserted and a counter row updated), WAL mode, synchronous=FULL, one after another on one connection, each its own
fsynced commit. The platform's write rate is reported beside this figure, measured in the same run.

    Benchmarks/sqlite_ceiling.py [--seconds 10] [--folder DIR]
"""
import argparse
import os
import sqlite3
import tempfile
import time


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--folder", default=None, help="where the database file goes (the disk being measured)")
    arguments = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="hues-ceiling-", dir=arguments.folder)
    path = os.path.join(folder, "ceiling.sqlite")
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=FULL")
    connection.execute("CREATE TABLE rows (id INTEGER PRIMARY KEY, kind TEXT NOT NULL, body TEXT NOT NULL)")
    connection.execute("CREATE TABLE counter (id INTEGER PRIMARY KEY, value INTEGER NOT NULL)")
    connection.execute("INSERT INTO counter VALUES (1, 0)")
    body = "x" * 400
    deadline = time.perf_counter() + arguments.seconds
    commits = 0
    latencies = []
    while time.perf_counter() < deadline:
        started = time.perf_counter()
        connection.execute("BEGIN")
        for kind in ("report", "case", "step", "update", "photo", "event", "event", "event"):
            connection.execute("INSERT INTO rows (kind, body) VALUES (?, ?)", (kind, body))
        connection.execute("UPDATE counter SET value = value + 1 WHERE id = 1")
        connection.execute("COMMIT")
        latencies.append(time.perf_counter() - started)
        commits += 1
    connection.close()
    latencies.sort()
    rate = commits / arguments.seconds
    print("sqlite ceiling: %.0f transactions/s (8 rows + 1 update, WAL, synchronous=FULL), p50 %.2f ms, p99 %.2f ms" % (
        rate, latencies[len(latencies) // 2] * 1000, latencies[int(len(latencies) * 0.99)] * 1000))
    for name in os.listdir(folder):
        os.remove(os.path.join(folder, name))
    os.rmdir(folder)


if __name__ == "__main__":
    main()
