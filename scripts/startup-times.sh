#!/usr/bin/env bash
# Rough start-up figures on this machine: 10 alternating runs each of
# `node -e 0`, `gate --version`, `gate validate m28` and the demo closeout,
# medians in milliseconds. Run from the repo root after `npm ci`.
set -euo pipefail
cd "$(dirname "$0")/.."
t() { local s; s=$(date +%s%N); "$@" >/dev/null 2>&1 || true; echo $(( ($(date +%s%N) - s) / 1000000 )); }
declare -A runs
for _ in $(seq 10); do
  runs[node]+="$(t node -e 0) "
  runs[version]+="$(t node bin/gate.js --version) "
  runs[validate]+="$(t node bin/gate.js validate m28) "
  runs[demo]+="$(t node bin/gate.js run m28 --quiet) "
done
median() { tr ' ' '\n' | grep . | sort -n | sed -n 5p; }
base=$(echo "${runs[node]}" | median)
for k in node version validate demo; do
  m=$(echo "${runs[$k]}" | median)
  awk -v k="$k" -v m="$m" -v b="$base" 'BEGIN { printf "%-9s %6d ms  %.2fx node -e 0\n", k, m, m / b }'
done
