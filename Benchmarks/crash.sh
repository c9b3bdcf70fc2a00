#!/usr/bin/env bash
# Kill -9 durability, a hundred cycles per database (the interop tests run three): SIGKILL during mixed concurrent
# writes, restart, check every acknowledged write, idempotent retries, no half-applied rows, the ledger and the chain.
#
#   Benchmarks/crash.sh [CYCLES, default 100] [postgres://… an empty database, optional]
set -euo pipefail
cd "$(dirname "$0")/.."
cycles="${1:-100}"
swift build -c release --product hues >/dev/null
binary="$(swift build -c release --show-bin-path)/hues"
echo "== SQLite, $cycles cycles"
python3 Benchmarks/crash/crash_harness.py --binary "$binary" --cycles "$cycles" | tail -n 3
if [ -n "${2:-}" ]; then
    echo "== PostgreSQL, $cycles cycles"
    python3 Benchmarks/crash/crash_harness.py --binary "$binary" --cycles "$cycles" --database "$2" | tail -n 3
fi
