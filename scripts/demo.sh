#!/usr/bin/env bash
# Build (release) and run the main demo: the textbook TCP conversation on a
# simulated link, narrated segment by segment. Extra arguments go to
# `synack demo` (try --explain, --loss 0.2, --bytes 1000000, --pcap demo.pcap).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh build
cmake --preset release >/dev/null
cmake --build --preset release -j "$(nproc 2>/dev/null || echo 2)" >/dev/null
exec build/release/tools/synack demo "$@"
