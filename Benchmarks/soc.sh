#!/usr/bin/env bash
# The SOC's Sigma engine against the reference (pySigma's SQLite backend) on the same events and the same 50 rules:
# events parsed and matched a second, and the engine's time per event. Release build; figures go in the README.
#
#   Benchmarks/soc.sh [EVENTS]        (default 100000 events, made from the differential test's corpus)
set -euo pipefail
cd "$(dirname "$0")/.."
count="${1:-100000}"
events="$(mktemp --suffix=.ndjson)"
trap 'rm -f "$events"' EXIT
python3 - "$count" "$events" <<'PY'
import sys
sys.path.insert(0, "Benchmarks")
import sigma_pysigma_rate
sigma_pysigma_rate.generate(int(sys.argv[1]), sys.argv[2])
PY
swift build -c release --product hues-soc-bench >/dev/null
ours="$("$(swift build -c release --show-bin-path)/hues-soc-bench" --events "$events" | tail -n 1)"
theirs="$(python3 Benchmarks/sigma_pysigma_rate.py --events "$events" | tail -n 1)"
echo "engine:    $ours"
echo "reference: $theirs"
python3 -c 'import json,sys; a=json.loads(sys.argv[1]); b=json.loads(sys.argv[2]); print("ratio: %.1fx the reference" % (a["events_per_second"] / b["events_per_second"]))' "$ours" "$theirs"
