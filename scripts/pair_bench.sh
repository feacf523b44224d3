#!/usr/bin/env bash
# Compares the CPU time of two graspsim binaries on the same sweep, run at the same time,
# one per core, swapping cores every round: on a shared machine whose speed drifts by
# ±10 % within minutes, and whose two cores differ, alternating runs cannot see a 3 %
# change; pairs run together see the same moment, and swapping cancels the cores.
#
#   scripts/pair_bench.sh OLD_BINARY NEW_BINARY [ROUNDS=8] [SEEDS=40] [PATH=Scenarios]
#
# Prints each round's CPU seconds and NEW/OLD, then the geometric mean of the ratios
# (below 1: NEW is faster). Needs two cores, taskset (util-linux) and python3.
set -euo pipefail
old=$1; new=$2; rounds=${3:-8}; seeds=${4:-40}; path=${5:-Scenarios}
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cpu() { # core binary output
  /usr/bin/time -f "%U %S" -o "$3" taskset -c "$1" "$2" run "$path" --seeds "$seeds" --jobs 1 \
    --determinism-sample 0 --no-progress --report-dir "$tmp/reports" >/dev/null 2>&1
}
for i in $(seq "$rounds"); do
  if [ $((i % 2)) = 0 ]; then a=0; b=1; else a=1; b=0; fi
  cpu "$a" "$old" "$tmp/old" & cpu "$b" "$new" "$tmp/new" & wait
  echo "$(awk '{print $1 + $2}' "$tmp/old") $(awk '{print $1 + $2}' "$tmp/new")"
done | python3 -c '
import statistics, sys
ratios = []
for i, line in enumerate(sys.stdin, 1):
    old, new = map(float, line.split())
    ratios.append(new / old)
    print(f"round {i}: old {old:.2f} s, new {new:.2f} s, new/old {new / old:.3f}")
print(f"geometric mean new/old over {len(ratios)} rounds: {statistics.geometric_mean(ratios):.3f}")
'
