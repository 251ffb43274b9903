#!/usr/bin/env bash
# Dump / restore figures (not a timed test): restores a generated dump of 1,000,000 webhooks
# across 10,000 organizations into an empty data dir with `webhookctl restore`, then dumps it
# back with `webhookctl dump`; prints records/s and peak RSS (/usr/bin/time -v) of each and
# checks that the second dump equals the first but for its header.
#
#   bench/dump_restore.sh                 # full size
#   QUICK=1 bench/dump_restore.sh         # 100,000 webhooks across 1,000 organizations
#   BUILD_DIR=... WORK_DIR=...            # Release build dir / scratch dir (default mktemp)
# Targets: each under 30 s and 256 MB RSS.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD_DIR=${BUILD_DIR:-$ROOT/build-bench-dump}
if [[ ${QUICK:-0} == 1 ]]; then ORGS=1000 WEBHOOKS=100000; else ORGS=10000 WEBHOOKS=1000000; fi
[[ -x /usr/bin/time ]] || apt-get install -y time >/dev/null
cmake -S "$ROOT" -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release -DWH_BUILD_TESTS=OFF >/dev/null
cmake --build "$BUILD_DIR" --target webhookctl populate -j"${JOBS:-2}" >/dev/null
CTL=$BUILD_DIR/webhookctl
WORK=${WORK_DIR:-$(mktemp -d)}
mkdir -p "$WORK"
trap '[[ -n ${KEEP:-} ]] || rm -rf "$WORK"' EXIT

# A one-webhook store gives the exact record encodings to clone.
ORG=$("$CTL" --data-dir "$WORK/seed" org create --name "Bench ✓")
"$BUILD_DIR/bench/populate" --data-dir "$WORK/seed" --org "$ORG" --count 1 --threads 1 >/dev/null 2>&1
"$CTL" --data-dir "$WORK/seed" dump --out "$WORK/seed.jsonl"
python3 "$ROOT/bench/dump_restore_gen.py" "$WORK/seed.jsonl" "$WORK/in.jsonl" "$ORGS" "$WEBHOOKS"
RECORDS=$((ORGS * 2 + WEBHOOKS))
echo "dump file: $RECORDS records, $(du -m "$WORK/in.jsonl" | cut -f1) MB"

measure() {  # label, command...
  local label=$1 log="$WORK/time.log"
  shift
  /usr/bin/time -v "$@" 2>"$log" >/dev/null || { cat "$log"; exit 1; }
  local secs rss
  secs=$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,a,":"); s=0; for(i=1;i<=n;i++) s=s*60+a[i]; print s}' "$log")
  rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$log")
  awk -v l="$label" -v r="$RECORDS" -v s="$secs" -v k="$rss" 'BEGIN {
    printf "%-8s %8.1f s  %10.0f records/s  peak RSS %6.1f MB\n", l, s, r / s, k / 1024 }'
}
measure restore "$CTL" --data-dir "$WORK/data" restore --in "$WORK/in.jsonl"
measure dump "$CTL" --data-dir "$WORK/data" dump --out "$WORK/out.jsonl"
if cmp -s <(tail -n +2 "$WORK/in.jsonl") <(tail -n +2 "$WORK/out.jsonl"); then
  echo "round trip: identical but for the header"
else
  echo "round trip: DIFFERENT" && exit 1
fi
echo "store: $(du -m "$WORK/data/db/data.mdb" | cut -f1) MB"
