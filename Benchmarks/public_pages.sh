#!/usr/bin/env bash
# Public pages and reads under a crowd: wrk with 16 connections (as a browser: gzip accepted, no session) against
# `hues serve`, next to a bare Hummingbird JSON route (hues-bench, the ceiling) in the same run, on the release build.
# Usage: Benchmarks/public_pages.sh [seconds per run, default 10] [connections, default 16] [SQLite file with reports]
# The optional file is a database made by `hues-field-report-bench --sqlite PATH` (1,000,000 reports); without it
# the demo city (2,400 reports) is served.
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION="${1:-10}"
CONNECTIONS="${2:-16}"
REPORTS_DB="${3:-}"
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install -y wrk" >&2; exit 1; }
swift build -c release --product hues >/dev/null
swift build -c release --product hues-bench >/dev/null
BIN="$(swift build -c release --show-bin-path)"
DATA="$(mktemp -d)"
APP_PORT=18480
CEILING_PORT=18481
cleanup() { kill "${APP_PID:-}" "${CEILING_PID:-}" 2>/dev/null || true; rm -rf "$DATA"; }
trap cleanup EXIT
wait_up() { for _ in $(seq 1 300); do curl -fs "$1" >/dev/null 2>&1 && return 0; sleep 0.2; done; echo "server at $1 did not start" >&2; exit 1; }

if [ -n "$REPORTS_DB" ]; then
    # The benchmark's database was made with the test configuration's master key (32 bytes of 7).
    HUES_DATA_DIR="$DATA" HUES_PORT=$APP_PORT HUES_LOG_LEVEL=warning HUES_DATABASE_URL="sqlite:$REPORTS_DB" \
        HUES_MASTER_KEY="$(python3 -c 'import base64; print(base64.b64encode(bytes([7] * 32)).decode())')" \
        "$BIN/hues" serve >"$DATA/serve.log" 2>&1 &
else
    HUES_DATA_DIR="$DATA" HUES_PORT=$APP_PORT HUES_LOG_LEVEL=warning "$BIN/hues" serve --demo >"$DATA/serve.log" 2>&1 &
fi
APP_PID=$!
"$BIN/hues-bench" $CEILING_PORT >/dev/null 2>&1 &
CEILING_PID=$!
wait_up "http://127.0.0.1:$APP_PORT/health"
wait_up "http://127.0.0.1:$CEILING_PORT/api/v1/me"

run() { wrk -t1 -c"$CONNECTIONS" -d"${DURATION}s" --latency -H 'Accept-Encoding: gzip' -H 'Accept-Language: vi' "$1"; }
rate() { awk '/Requests\/sec/ {print $2}'; }
p99() { awk '$1 == "99%" {print $2}'; }
errors() { awk '/Non-2xx/ {print $NF}'; }

run "http://127.0.0.1:$CEILING_PORT/api/v1/me" >/dev/null  # warm-up
CEILING_OUT=$(run "http://127.0.0.1:$CEILING_PORT/api/v1/me")
CEILING=$(echo "$CEILING_OUT" | rate)
echo "public pages and reads, ${DURATION}s each, ${CONNECTIONS} connections, wrk -t1, release build, $(nproc) cores"
printf '%-40s %10s %10s %8s %10s %8s\n' "path" "req/s" "p99" "ceiling" "bytes" "non-2xx"
printf '%-40s %10s %10s %8s\n' "bare Hummingbird JSON (ceiling)" "$CEILING" "$(echo "$CEILING_OUT" | p99)" "100 %"
for path in /reports /procedures /api/v1/procedures "/api/v1/field-reports?page=1" /open311/v2/requests.json \
            "/api/v1/field-reports/map?bbox=107.50,16.40,107.68,16.56&zoom=13"; do
    url="http://127.0.0.1:$APP_PORT$path"
    bytes=$(curl -s -H 'Accept-Encoding: gzip' -o /dev/null -w '%{size_download}' "$url")
    run "$url" >/dev/null
    OUT=$(run "$url")
    RATE=$(echo "$OUT" | rate)
    printf '%-40s %10s %10s %7s%% %10s %8s\n' "${path:0:40}" "$RATE" "$(echo "$OUT" | p99)" \
        "$(awk -v a="$RATE" -v c="$CEILING" 'BEGIN {printf "%.0f", 100 * a / c}')" "$bytes" "$(echo "$OUT" | errors)"
done
