#!/usr/bin/env bash
# CMS signatures and verifications per second, beside OpenSSL's raw ECDSA P-256 rates measured in the same run.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-5}"
swift build -c release --product hues-signature-bench >/dev/null
read -r sign verify < <(openssl speed -seconds "$seconds" ecdsap256 2>/dev/null | awk '/nistp256/ {print $(NF-1), $NF}')
"$(swift build -c release --show-bin-path)/hues-signature-bench" --seconds "$seconds" --openssl-sign "$sign" --openssl-verify "$verify"
