#!/usr/bin/env bash
# bench/notifier_bench.sh: the notifier benchmark, loopback only. Builds Release, starts
# nginx -> webhook-api -> LMDB + event log, a receiver nginx (`location /hook { return 200 }`,
# keep-alive, access log of $msec per request) and webhook-notifier, and measures in one run:
#
#   1. ceiling for deliveries: bench/curl_multi_ceiling (plain libcurl multi, keep-alive,
#      CONCURRENCY in flight) POSTing N copies of a ~300-byte envelope-shaped body to the receiver;
#      also, for comparison, the same client sending the notifier's request headers too
#      (measured in each round of 5./6., just before its deliveries)
#   2. ceiling for appends: wrk GET of one webhook through the API (the API's GET rate)
#   3. appends via the API: wrk POST /v1/events (durable appends), events/s; and, informative,
#      wrk POST /v1/events/batch with 50 events per request, for 2 s
#      (for 2. and 3. the log also gets webhook-api's CPU and its threads' voluntary and
#      involuntary context switches per request)
#   4. appends via webhookctl: a loop of CTL_EVENTS `webhookctl event emit` (one process start
#      and one store open per event: this measures process start-up far more than the append)
#   (the notifier then fans out the events of 3./4., which match no webhook, before 5./6.)
#   5. deliveries/s, fan-out 1: E events appended (notifier stopped) to an org with 1 webhook,
#      then the notifier is started and the rate between the first and the last delivery in the
#      receiver's log is measured once all E arrived (the log also gets the notifier's CPU per
#      delivery, in all and by thread: wh-send-N, wh-fanout, wh-recorder, the dispatch loop...)
#   6. deliveries/s, fan-out 10: E/10 events to an org with 10 webhooks (E deliveries)
#      (1., 5. and 6. run ROUNDS times; the round with the median fan-out-1 ratio is reported)
#   7. latency append -> first attempt: bench/receiver.py posts events at half the sustained
#      delivery rate (at most LAT_RATE_MAX/s) for LAT_SECONDS with client event_ids, to an org
#      whose webhook points at bench/receiver.py serve; p50/p99 of (arrival - send)
#   8. notifier RSS: VmHWM of webhook-notifier with SIZE_WEBHOOKS webhooks in the store and a
#      backlog of SIZE_EVENTS events, until its fan-out caught up (bench/populate and
#      bench/append_events fill the store and the log); also the highest VmHWM of the runs above
#
# Environment (all optional):
#   QUICK=1            smaller run (E=5000, ceiling N=20000, 1 round, wrk 3 s, 100 webhookctl emits)
#   BUILD_DIR=build-bench-notifier   EVENTS=20000   CEILING_N=40000   ROUNDS=5   DURATION=5
#   SIZE_WEBHOOKS=100000 (0 skips step 8; QUICK=1 skips it unless set)   SIZE_EVENTS=1000000
#   SIZE_SECONDS=180   SIZE_DRAIN_SECONDS=20 (step 8 keeps delivering this long after the
#   fan-out caught up)   API_THREADS=64 (webhook-api --threads)   CONCURRENCY=64
#   CTL_EVENTS=300   LAT_RATE_MAX=200   LAT_SECONDS=5
#                      (LAT_RATE_MAX: the python receiver itself manages ~300 req/s on a busy
#                      2-core machine, so the default stays below that)
#   NOTIFIER_PERF=/tmp/p  perf record each notifier run into /tmp/p.<pid>
#   NOTIFIER_EXTRA="--transport-threads 1"  more webhook-notifier flags, for experiments
#   BENCH_TMPDIR=/var/tmp   KEEP=1 (keep the working directory)   STRICT=1 (exit 1 on a miss)
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO_ROOT"

QUICK="${QUICK:-0}"
if [[ "$QUICK" == 1 ]]; then
  EVENTS="${EVENTS:-5000}"
  CEILING_N="${CEILING_N:-20000}"
  ROUNDS="${ROUNDS:-1}"
  DURATION="${DURATION:-3}"
  CTL_EVENTS="${CTL_EVENTS:-100}"
fi
EVENTS="${EVENTS:-20000}"
CEILING_N="${CEILING_N:-40000}"
ROUNDS="${ROUNDS:-5}"
DURATION="${DURATION:-5}"
CTL_EVENTS="${CTL_EVENTS:-300}"
CONCURRENCY="${CONCURRENCY:-64}"
LAT_RATE_MAX="${LAT_RATE_MAX:-200}"
LAT_SECONDS="${LAT_SECONDS:-5}"
if [[ "$QUICK" == 1 ]]; then SIZE_WEBHOOKS="${SIZE_WEBHOOKS:-0}"; fi
SIZE_WEBHOOKS="${SIZE_WEBHOOKS:-100000}"
SIZE_EVENTS="${SIZE_EVENTS:-1000000}"
SIZE_SECONDS="${SIZE_SECONDS:-180}"
SIZE_DRAIN_SECONDS="${SIZE_DRAIN_SECONDS:-20}"
API_THREADS="${API_THREADS:-64}"
BENCH_TMPDIR="${BENCH_TMPDIR:-/var/tmp}"
KEEP="${KEEP:-0}"
STRICT="${STRICT:-0}"
BUILD_DIR="${BUILD_DIR:-build-bench-notifier}"
[[ "$BUILD_DIR" == /* ]] || BUILD_DIR="$REPO_ROOT/$BUILD_DIR"
for v in EVENTS CEILING_N ROUNDS DURATION CTL_EVENTS CONCURRENCY LAT_RATE_MAX LAT_SECONDS SIZE_EVENTS \
  SIZE_SECONDS SIZE_DRAIN_SECONDS API_THREADS; do
  [[ "${!v}" =~ ^[1-9][0-9]*$ ]] || { echo "notifier_bench: $v must be a positive integer" >&2; exit 2; }
done
((EVENTS >= 20)) || { echo "notifier_bench: EVENTS must be >= 20" >&2; exit 2; }

log() { printf '==> %s\n' "$*" >&2; }
die() { printf 'notifier_bench: error: %s\n' "$*" >&2; exit 1; }

# shellcheck source=scripts/deps.sh
source "$REPO_ROOT/scripts/deps.sh"

# --- processes and cleanup ---------------------------------------------------------------
ROOT=""
PIDS=()        # every long-running process this script started (nginx x2, api, notifier, py)
CHILD_PID=""   # the foreground run in progress (wrk, ceiling, sender)
NOTIFIER_PID=""
CLEANED=0

alive() {
  local stat
  read -r stat 2>/dev/null <"/proc/$1/stat" || return 1
  stat="${stat##*) }"
  [[ "${stat:0:1}" != "Z" ]]
}
children_of() { ps -o pid= --ppid "$1" 2>/dev/null | tr -d ' ' || true; }

# stop_pid PID SIGNAL: SIGNAL, up to 10 s, then SIGKILL (with its children). Reaps PID.
stop_pid() {
  local pid="$1" sig="$2" i kids
  [[ -n "$pid" ]] || return 0
  if alive "$pid"; then
    kids="$(children_of "$pid")"
    kill -s "$sig" "$pid" 2>/dev/null || true
    for ((i = 0; i < 100; i++)); do
      alive "$pid" || break
      sleep 0.1
    done
    if alive "$pid"; then
      log "pid $pid did not stop on SIG$sig within 10 s: SIGKILL"
      kids="$kids $(children_of "$pid")"
      kill -s KILL "$pid" 2>/dev/null || true
    fi
    for i in $kids; do
      if alive "$i"; then kill -s KILL "$i" 2>/dev/null || true; fi
    done
  fi
  wait "$pid" 2>/dev/null || true
}

cleanup() {
  ((CLEANED == 0)) || return 0
  CLEANED=1
  trap '' INT TERM HUP
  local p
  stop_pid "$CHILD_PID" TERM
  stop_pid "$NOTIFIER_PID" TERM
  for p in "${PIDS[@]}"; do
    # nginx masters (QUIT: graceful) are stopped like the others; stop_pid SIGKILLs stragglers.
    stop_pid "$p" TERM
  done
  if [[ -n "$ROOT" && -d "$ROOT" ]]; then
    if [[ "$KEEP" == 1 ]]; then log "kept $ROOT"; else rm -rf "$ROOT"; fi
  fi
}
on_exit() {
  local rc=$?
  cleanup
  exit "$rc"
}
trap on_exit EXIT
trap 'log "interrupted"; exit 130' INT
trap 'log "terminated"; exit 143' TERM HUP

# run_child OUT CMD...: CMD in the background (stdout to OUT), waited for, so that a signal to
# this script interrupts the wait and the cleanup stops CMD.
run_child() {
  local out="$1" rc=0
  shift
  "$@" >"$out" &
  CHILD_PID=$!
  wait "$CHILD_PID" || rc=$?
  CHILD_PID=""
  return "$rc"
}

# --- install and build ---------------------------------------------------------------------
wh_install_deps wrk time
for c in wrk nginx curl python3; do command -v "$c" >/dev/null || die "$c is not installed"; done

log "building (Release) into $BUILD_DIR"
cmake -S "$REPO_ROOT" -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release -DWH_BUILD_TESTS=OFF \
  -DWH_SANITIZE=OFF >/dev/null
cmake --build "$BUILD_DIR" -j"$(nproc)" --target webhook-api webhook-notifier webhookctl \
  curl_multi_ceiling populate append_events >&2
API_BIN="$BUILD_DIR/webhook-api"
NOTIFIER_BIN="$BUILD_DIR/webhook-notifier"
CTL_BIN="$BUILD_DIR/webhookctl"
CEIL_BIN="$BUILD_DIR/bench/curl_multi_ceiling"
RECV_PY="$REPO_ROOT/bench/receiver.py"
for b in "$API_BIN" "$NOTIFIER_BIN" "$CTL_BIN" "$CEIL_BIN"; do
  [[ -x "$b" ]] || die "build did not produce $b"
done

# --- directories --------------------------------------------------------------------------
mkdir -p "$BENCH_TMPDIR"
ROOT="$(mktemp -d "$BENCH_TMPDIR/wh-nbench.XXXXXX")"
chmod 0755 "$ROOT"   # nginx workers run as nobody when started by root
DATA="$ROOT/data"
RUN="$ROOT/run"
RRUN="$ROOT/recv"
SOCK="$RUN/api.sock"
mkdir -p "$DATA" "$RUN" "$RRUN"
chmod 0755 "$DATA" "$RUN" "$RRUN"
((${#SOCK} < 108)) || die "socket path too long: $SOCK"
log "working directory $ROOT"

# wait_http URL PID NAME LOG: until URL answers anything (10 s). If the process dies first, the
# end of LOG goes to stderr: the working directory, and LOG with it, is deleted on exit.
wait_http() {
  local i
  for ((i = 0; i < 100; i++)); do
    if ! alive "$2"; then
      [[ -f "$4" ]] && tail -n 20 "$4" | sed "s/^/$3: /" >&2
      die "$3 exited at start"
    fi
    [[ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$1" || true)" =~ ^[1-5] ]] &&
      return 0
    sleep 0.1
  done
  die "$3 did not answer on $1 within 10 s"
}
now_ms() { date +%s%3N; }
lines_of() { if [[ -f "$1" ]]; then wc -l <"$1"; else echo 0; fi; }
vmhwm_mb() { awk '/^VmHWM:/ {printf "%.1f", $2 / 1024}' "/proc/$1/status" 2>/dev/null || echo nan; }

# --- receiver nginx -------------------------------------------------------------------------
RPORT="$(wh_free_port)" || die "no free port"
RECV_URL="http://127.0.0.1:$RPORT/hook"
RLOG="$RRUN/access.log"
cat >"$RRUN/nginx.conf" <<EOF
daemon off;
master_process on;
worker_processes 1;
worker_rlimit_nofile 16384;
pid $RRUN/nginx.pid;
error_log $RRUN/error.log warn;
events { worker_connections 4096; }
http {
    server_tokens off;
    log_format msec '\$msec';
    access_log $RLOG msec;
    client_body_temp_path $RRUN/client_body_temp;
    proxy_temp_path $RRUN/proxy_temp;
    fastcgi_temp_path $RRUN/fastcgi_temp;
    uwsgi_temp_path $RRUN/uwsgi_temp;
    scgi_temp_path $RRUN/scgi_temp;
    keepalive_timeout 65s;
    keepalive_requests 1000000;
    client_body_buffer_size 64k;
    server {
        listen 127.0.0.1:$RPORT default_server;
        location /hook { return 200 "ok"; }
        location / { return 404; }
    }
}
EOF
: >"$RRUN/error.log"
nginx -t -q -c "$RRUN/nginx.conf" -e "$RRUN/error.log" || die "receiver nginx -t failed"
nginx -c "$RRUN/nginx.conf" -e "$RRUN/error.log" >>"$ROOT/recv-nginx.log" 2>&1 &
PIDS+=($!)
RECV_NGINX_PID=$!
wait_http "$RECV_URL" "${PIDS[-1]}" receiver-nginx "$RRUN/error.log"
# Starts a fresh receiver access log (the old one is kept as access.log.N): the wait for
# deliveries counts its lines every 0.1 s, which should cost next to nothing.
ROTATIONS=0
rotate_receiver_log() {
  local i
  ROTATIONS=$((ROTATIONS + 1))
  mv "$RLOG" "$RLOG.$ROTATIONS"
  kill -USR1 "$RECV_NGINX_PID"
  for ((i = 0; i < 100; i++)); do
    [[ -f "$RLOG" ]] && return 0
    sleep 0.05
  done
  die "the receiver nginx did not reopen its access log"
}

# --- python latency receiver ----------------------------------------------------------------
LPORT="$(wh_free_port)" || die "no free port"
LAT_URL="http://127.0.0.1:$LPORT/hook"
python3 "$RECV_PY" serve --port "$LPORT" --log "$ROOT/lat-received.log" \
  >>"$ROOT/receiver-py.log" 2>&1 &
PIDS+=($!)
wait_http "$LAT_URL" "${PIDS[-1]}" receiver.py "$ROOT/receiver-py.log"

# --- store, API, nginx ---------------------------------------------------------------------
ctl() { "$CTL_BIN" --data-dir "$DATA" "$@"; }
new_org() {  # new_org NAME -> "ORG KEY"
  local org key
  org="$(ctl org create --name "$1" | tr -d '[:space:]')"
  [[ "$org" == int_* ]] || die "webhookctl org create printed '$org'"
  key="$(ctl key create --org "$org" | tr -d '[:space:]')"
  [[ "$key" == sk_live_* ]] || die "webhookctl key create printed no key"
  echo "$org $key"
}
read -r ORG_A KEY_A <<<"$(new_org bench-append)"     # appends only: no webhooks
read -r _ KEY_1 <<<"$(new_org bench-fanout-1)"
read -r _ KEY_10 <<<"$(new_org bench-fanout-10)"
read -r _ KEY_L <<<"$(new_org bench-latency)"

PORT="$(wh_free_port)" || die "no free port"
BASE="http://127.0.0.1:$PORT"
wh_render_nginx_conf "$REPO_ROOT/nginx/nginx.conf.template" "$RUN/nginx.conf" "$PORT" "$SOCK" \
  "$RUN" 2
: >"$RUN/error.log"
nginx -t -q -c "$RUN/nginx.conf" -e "$RUN/error.log" || die "nginx -t failed"
"$API_BIN" --data-dir "$DATA" --socket "$SOCK" --socket-mode 0666 --threads "$API_THREADS" \
  >>"$ROOT/webhook-api.log" 2>&1 &
PIDS+=($!)
API_PID=$!
for ((i = 0; i < 200; i++)); do
  [[ -S "$SOCK" ]] && break
  alive "$API_PID" || die "webhook-api exited at start (see $ROOT/webhook-api.log)"
  sleep 0.05
done
[[ -S "$SOCK" ]] || die "webhook-api did not create $SOCK"
nginx -c "$RUN/nginx.conf" -e "$RUN/error.log" >>"$ROOT/nginx.log" 2>&1 &
PIDS+=($!)
wait_http "$BASE/healthz" "${PIDS[-1]}" api-nginx "$RUN/error.log"

# create_webhook KEY URL NAME -> webhook id
create_webhook() {
  local body code
  body='{"webhook_name":"'"$3"'","event_types":["object.created"],"channels":[{"channel":"webhook","configs":{"url":"'"$2"'"}}],"is_active":true}'
  code="$(curl -s -o "$ROOT/last" -w '%{http_code}' --max-time 10 -X POST \
    -H "Authorization: Bearer $1" -H 'Content-Type: application/json' --data-binary "$body" \
    "$BASE/v1/organizations/webhooks" || true)"
  [[ "$code" == 201 ]] || die "webhook create answered $code: $(head -c 300 "$ROOT/last")"
  grep -o '"webhook_id":"[^"]*"' "$ROOT/last" | head -1 | cut -d'"' -f4
}
WH_1="$(create_webhook "$KEY_1" "$RECV_URL" fanout-1)"
[[ -n "$WH_1" ]] || die "no webhook id in: $(head -c 300 "$ROOT/last")"
for ((i = 0; i < 10; i++)); do create_webhook "$KEY_10" "$RECV_URL?n=$i" "fanout-10-$i" >/dev/null; done
create_webhook "$KEY_L" "$LAT_URL" latency >/dev/null

# --- notifier ------------------------------------------------------------------------------
start_notifier() {
  "$NOTIFIER_BIN" --data-dir "$DATA" --allow-cidr 127.0.0.0/8 --per-endpoint-concurrency 64 \
    --poll-interval-ms 5 --retry-schedule "0,5s,5m" ${NOTIFIER_EXTRA:-} >>"$ROOT/webhook-notifier.log" 2>&1 &
  NOTIFIER_PID=$!
  sleep 0.3
  # A CPU profile per notifier run (ends with it). perf -p follows only the threads that exist
  # when it attaches, so it attaches once the notifier's threads have started (the first 0.3 s
  # of the run are not in the profile).
  if [[ -n "${NOTIFIER_PERF:-}" ]]; then
    perf record -q -F 499 -g -p "$NOTIFIER_PID" -o "$NOTIFIER_PERF.$NOTIFIER_PID" >/dev/null 2>&1 &
  fi
  alive "$NOTIFIER_PID" || die "webhook-notifier exited at start (see $ROOT/webhook-notifier.log)"
}
NOTIFIER_HWM=0
NOTIFIER_CPU_S=nan  # user + system CPU seconds of the last notifier run, read at stop
NOTIFIER_THREADS="" # "name seconds" per thread of the last notifier run, read at stop
# thread_cpu PID: "name seconds" for each thread (names from the notifier: wh-send-0, ...;
# the main thread, which runs the dispatch loop, has the process name), summed by name.
thread_cpu() {
  local t
  for t in /proc/"$1"/task/*; do
    printf '%s %s\n' "$(cat "$t/comm" 2>/dev/null)" \
      "$(awk -v hz="$(getconf CLK_TCK)" '{ sub(/^.*\) /, ""); printf "%.2f", ($12 + $13) / hz }' \
        "$t/stat" 2>/dev/null)"
  done | awk 'NF == 2 { s[$1] += $2 } END { for (n in s) if (s[n] > 0) printf "%s %.2f\n", n, s[n] }' |
    sort
}
stop_notifier() {
  local h
  [[ -n "$NOTIFIER_PID" ]] || return 0
  h="$(vmhwm_mb "$NOTIFIER_PID")"
  NOTIFIER_THREADS="$(thread_cpu "$NOTIFIER_PID" || true)"
  NOTIFIER_CPU_S="$(awk -v hz="$(getconf CLK_TCK)" '{printf "%.2f", ($14 + $15) / hz}' \
    "/proc/$NOTIFIER_PID/stat" 2>/dev/null || echo nan)"
  grep -E '^(VmHWM|VmRSS|RssAnon|RssFile):' "/proc/$NOTIFIER_PID/status" 2>/dev/null | tr -s ' \t\n' ' ' |
    sed 's/^/==>   notifier memory at stop: /' >&2 || true
  echo >&2
  [[ "$h" == nan ]] || NOTIFIER_HWM="$(awk -v a="$NOTIFIER_HWM" -v b="$h" 'BEGIN{print (b>a)?b:a}')"
  stop_pid "$NOTIFIER_PID" TERM
  NOTIFIER_PID=""
}

LOAD_START="$(cut -d' ' -f1-3 /proc/loadavg)"
declare -A VAL

# --- 2./3. API GET ceiling and API appends -----------------------------------------------------
# Results come back in RESULT (not through $(...): a subshell would hide started processes from
# the cleanup).
RESULT=""
# api_usage: "CPU-ticks voluntary involuntary" of webhook-api so far (context switches summed
# over its threads).
api_usage() {
  printf '%s ' "$(awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$API_PID/stat")"
  cat /proc/"$API_PID"/task/*/status 2>/dev/null |
    awk '/^voluntary_ctxt_switches/ {v += $2} /^nonvoluntary_ctxt_switches/ {n += $2}
         END {print v + 0, n + 0}'
}
wrk_rps() {  # wrk_rps NAME PATH KEY [LUA] -> RESULT
  local out="$ROOT/wrk-$1.txt" non2xx before after requests
  local -a args=(-t2 -c64 -d"${DURATION}s" --timeout 5s -H "Authorization: Bearer $3")
  [[ -z "${4:-}" ]] || args+=(-s "$4")
  log "wrk $1: ${DURATION}s, 64 connections, $BASE$2"
  before="$(api_usage)"
  run_child "$out" timeout -k 5 $((DURATION + 60)) wrk "${args[@]}" "$BASE$2" ||
    die "wrk failed for $1 (see $out)"
  after="$(api_usage)"
  non2xx="$(awk '/Non-2xx or 3xx responses:/ {print $NF}' "$out")"
  [[ -z "$non2xx" ]] || log "  WARNING: $non2xx non-2xx responses in $1"
  RESULT="$(awk '/^Requests\/sec:/ {printf "%.0f", $2}' "$out")"
  [[ -n "$RESULT" ]] || die "could not parse wrk output for $1 (see $out)"
  requests="$(awk '/ requests in / {print $1}' "$out")"
  # Where the API's time goes: its CPU and its threads' context switches per request.
  [[ -z "$requests" || "$requests" == 0 ]] || log "  webhook-api per request: $(awk -v n="$requests" \
    -v hz="$(getconf CLK_TCK)" -v b="$before" -v a="$after" 'BEGIN {
      split(b, x, " "); split(a, y, " ")
      printf "%.0f us of CPU, %.2f voluntary and %.2f involuntary context switches",
        (y[1] - x[1]) / hz * 1e6 / n, (y[2] - x[2]) / n, (y[3] - x[3]) / n }')"
}
wrk_rps get "/v1/organizations/webhooks/$WH_1" "$KEY_1"
VAL[get]="$RESULT"
log "  ${VAL[get]} req/s"
cat >"$ROOT/append.lua" <<'EOF'
wrk.method = "POST"
wrk.body = [==[{"event_type":"object.created","metadata":{"source":"notifier_bench","note":"appended by wrk through POST /v1/events"}}]==]
wrk.headers["Content-Type"] = "application/json"
EOF
wrk_rps append "/v1/events" "$KEY_A" "$ROOT/append.lua"
VAL[append_api]="$RESULT"
log "  ${VAL[append_api]} events/s"
# Informative: events 50 to a request through POST /v1/events/batch, for 2 s (each second adds
# hundreds of thousands of events that the notifier fans out before the delivery rounds).
{
  echo 'wrk.method = "POST"'
  printf 'wrk.body = [==[{"events":['
  for ((i = 0; i < 50; i++)); do
    ((i == 0)) || printf ','
    printf '{"event_type":"object.created","metadata":{"source":"notifier_bench","note":"batch"}}'
  done
  echo ']}]==]'
  echo 'wrk.headers["Content-Type"] = "application/json"'
} >"$ROOT/append_batch.lua"
SAVED_DURATION="$DURATION"
DURATION=2
wrk_rps append_batch "/v1/events/batch" "$KEY_A" "$ROOT/append_batch.lua"
DURATION="$SAVED_DURATION"
VAL[append_batch]="$((RESULT * 50))"
log "  ${VAL[append_batch]} events/s ($RESULT requests/s of 50 events)"

# --- 4. appends via webhookctl ---------------------------------------------------------------
log "webhookctl: $CTL_EVENTS x event emit"
T0="$(now_ms)"
for ((i = 0; i < CTL_EVENTS; i++)); do
  timeout -k 2 20 "$CTL_BIN" --data-dir "$DATA" event emit --org "$ORG_A" --type object.created \
    >/dev/null || die "webhookctl event emit failed"
done
T1="$(now_ms)"
VAL[append_ctl]="$(awk -v n="$CTL_EVENTS" -v ms=$((T1 - T0)) 'BEGIN {printf "%.0f", n * 1000 / ms}')"
log "  ${VAL[append_ctl]} events/s"

# --- 5./6. deliveries/s ----------------------------------------------------------------------
append_backlog() {  # append_backlog KEY COUNT: COUNT events through the API, 64 in flight
  run_child "$ROOT/backlog.out" timeout -k 5 600 "$CEIL_BIN" --url "$BASE/v1/events" \
    --count "$2" --concurrency 64 --header "Authorization: Bearer $1" \
    --body '{"event_type":"object.created","metadata":{"source":"notifier_bench","note":"backlog for the delivery rate"}}' ||
    die "appending the backlog failed (see $ROOT/backlog.out)"
}
# delivery_rate NAME DELIVERIES: starts the notifier, waits (bounded) until DELIVERIES new lines
# reached the receiver's log, stops the notifier; rate between the first and last of them.
delivery_rate() {
  local name="$1" want="$2" base got i limit
  rotate_receiver_log
  base="$(lines_of "$RLOG")"
  start_notifier
  limit=$((60 + want / 100))
  for ((i = 0; i < limit * 10; i++)); do
    got=$(($(lines_of "$RLOG") - base))
    ((got >= want)) && break
    alive "$NOTIFIER_PID" || die "webhook-notifier died (see $ROOT/webhook-notifier.log)"
    sleep 0.1
  done
  got=$(($(lines_of "$RLOG") - base))
  stop_notifier
  log "  notifier CPU: ${NOTIFIER_CPU_S} s for $got deliveries ($(awk -v c="$NOTIFIER_CPU_S" \
    -v n="$got" 'BEGIN { if (n > 0 && c != "nan") printf "%.0f", c * 1e6 / n; else print "nan" }') us each)"
  log "  per thread, us per delivery: $(awk -v n="$got" 'n > 0 { printf "%s %.1f; ", $1, $2 * 1e6 / n }' \
    <<<"$NOTIFIER_THREADS")"
  ((got >= want)) || log "  WARNING: only $got of $want deliveries within ${limit}s"
  tail -n +"$((base + 1))" "$RLOG" | head -n "$want" >"$ROOT/deliveries-$name.txt"
  RESULT="$(sort -n "$ROOT/deliveries-$name.txt" | awk 'NR == 1 {f = $1} {l = $1; n++}
    END { if (n > 1 && l > f) printf "%.0f", (n - 1) / (l - f); else print "nan" }')"
}
# ceiling KIND [HEADER...]: curl_multi_ceiling, CEILING_N posts to the receiver -> RESULT (req/s)
ceiling() {
  local kind="$1" out="$ROOT/ceiling-$1.out" h
  local -a args=(--url "$RECV_URL" --count "$CEILING_N" --concurrency "$CONCURRENCY")
  shift
  for h in "$@"; do args+=(--header "$h"); done
  run_child "$out" /usr/bin/time -f 'cpu_seconds %U %S' -a -o "$out" \
    timeout -k 5 300 "$CEIL_BIN" "${args[@]}" || die "curl_multi_ceiling failed (see $out)"
  RESULT="$(awk '$1 == "requests_per_sec" {print $2}' "$out")"
  log "  ceiling ($kind): $RESULT req/s, client CPU $(awk -v n="$CEILING_N" '$1 == "cpu_seconds" {
    printf "%.2f s (%.0f us per request)", $2 + $3, ($2 + $3) * 1e6 / n}' "$out")"
}
# The request headers the notifier sends with a webhook delivery (same names, same lengths)
# besides Content-Type, which the ceiling client always sends.
SAME_HEADERS=("User-Agent: webhooks-notifier/1"
  "webhook-id: msg_0123456789abcdef0123456789ab" "webhook-timestamp: 1764258282"
  "webhook-signature: v1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4=")
# wait_caught_up SECONDS: until the notifier's fan-out reached the end of the log (or SECONDS);
# LAG is the last lag read (bytes of log not fanned out yet).
LAG=""
wait_caught_up() {
  local start=$SECONDS
  LAG=1
  while ((SECONDS - start < $1)); do
    alive "$NOTIFIER_PID" || die "webhook-notifier died (see $ROOT/webhook-notifier.log)"
    LAG="$(ctl stats --json | grep -o '"notifier_lag_bytes":[0-9]*' | cut -d: -f2)"
    [[ "$LAG" == 0 ]] && return 0
    sleep 0.5
  done
  log "  WARNING: fan-out lag still $LAG bytes after $1 s"
}
# The events of 3./4. (an organization without webhooks) are fanned out first, with nothing to
# deliver, so that the first round's drain does not also read through them.
log "fan-out of the append runs' events (nothing to deliver)"
start_notifier
wait_caught_up 120
stop_notifier
# Each round measures both ceilings and then both delivery rates, so that a ratio compares runs
# seconds apart (this machine's speed drifts by up to about 1.7x within one run). The reported
# round is the one with the median fan-out-1 ratio.
declare -a R_CEIL R_SAME R_D1 R_D10
for ((round = 1; round <= ROUNDS; round++)); do
  log "round $round of $ROUNDS: ceilings ($CEILING_N posts, $CONCURRENCY in flight -> $RECV_URL)"
  ceiling plain
  R_CEIL+=("$RESULT")
  ceiling same-headers "${SAME_HEADERS[@]}"
  R_SAME+=("$RESULT")
  log "deliveries, fan-out 1: $EVENTS events appended, then the notifier started"
  append_backlog "$KEY_1" "$EVENTS"
  delivery_rate fanout1 "$EVENTS"
  R_D1+=("$RESULT")
  log "  $RESULT deliveries/s"
  log "deliveries, fan-out 10: $((EVENTS / 10)) events x 10 webhooks"
  append_backlog "$KEY_10" $((EVENTS / 10))
  delivery_rate fanout10 $((EVENTS / 10 * 10))
  R_D10+=("$RESULT")
  log "  $RESULT deliveries/s"
done
ROUNDS_TABLE="$(for ((i = 0; i < ROUNDS; i++)); do
  echo "${R_CEIL[i]} ${R_SAME[i]} ${R_D1[i]} ${R_D10[i]}"
done | awk 'function r(a, b) { return (b + 0 > 0) ? sprintf("%.2f", a / b) : "nan" }
  { printf "  round %d: ceiling %s, with headers %s; fan-out 1 %s (%s, %s); fan-out 10 %s (%s, %s)\n",
    NR, $1, $2, $3, r($3, $1), r($3, $2), $4, r($4, $1), r($4, $2) }')"
MEDIAN_ROUND="$(for ((i = 0; i < ROUNDS; i++)); do
  awk -v i="$i" -v d="${R_D1[i]}" -v c="${R_CEIL[i]}" \
    'BEGIN { printf "%.6f %d\n", (c + 0 > 0 && d != "nan") ? d / c : 0, i }'
done | sort -n | awk -v n="$ROUNDS" 'NR == int((n + 1) / 2) { print $2 }')"
VAL[ceiling]="${R_CEIL[MEDIAN_ROUND]}"
VAL[ceiling_same]="${R_SAME[MEDIAN_ROUND]}"
VAL[deliv1]="${R_D1[MEDIAN_ROUND]}"
VAL[deliv10]="${R_D10[MEDIAN_ROUND]}"

# --- 7. latency append -> first attempt --------------------------------------------------------
SUSTAINED="$(awk -v a="${VAL[deliv1]}" -v b="${VAL[deliv10]}" 'BEGIN {
  if (a == "nan") a = 0; if (b == "nan") b = 0; print (a < b) ? a : b }')"
LAT_RATE="$(awk -v s="$SUSTAINED" -v m="$LAT_RATE_MAX" 'BEGIN {
  r = s / 2; if (r > m) r = m; if (r < 10) r = 10; printf "%.0f", r }')"
log "latency: $LAT_RATE events/s for ${LAT_SECONDS}s -> receiver.py (notifier running)"
start_notifier
run_child "$ROOT/lat-send.out" timeout -k 5 $((LAT_SECONDS + 60)) python3 "$RECV_PY" send \
  --url "$BASE/v1/events" --key "$KEY_L" --rate "$LAT_RATE" --seconds "$LAT_SECONDS" \
  --log "$ROOT/lat-sent.log" || die "latency sender failed"
log "  $(cat "$ROOT/lat-send.out")"
LAT_WANT="$(awk '$3 == 202' "$ROOT/lat-sent.log" | wc -l)"
((LAT_WANT > 0)) || die "no event of the latency run was accepted (see $ROOT/lat-sent.log)"
for ((i = 0; i < 300; i++)); do
  (($(lines_of "$ROOT/lat-received.log") >= LAT_WANT)) && break
  sleep 0.1
done
stop_notifier
python3 "$RECV_PY" report --sent "$ROOT/lat-sent.log" --received "$ROOT/lat-received.log" \
  >"$ROOT/lat-report.txt"
log "  $(cat "$ROOT/lat-report.txt")"
read -r _ LAT_SENT _ LAT_RECV _ LAT_P50 _ LAT_P99 _ LAT_MAX _ ACK_P50 _ ACK_P99 \
  <"$ROOT/lat-report.txt"

# --- 8. RSS at the target size -----------------------------------------------------------------
# SIZE_WEBHOOKS webhooks in the store (one receives the events, the rest sit in another
# organization) and a backlog of SIZE_EVENTS events appended with the notifier stopped; the
# notifier then runs until its fan-out has caught up with the log (at most SIZE_SECONDS) while
# it delivers; its VmHWM is the figure.
RSS_NOTE="VmHWM over the runs above ($EVENTS events, 12 webhooks): not the target size"
VAL[rss]="$NOTIFIER_HWM"
VAL[rss_size]=nan
if ((SIZE_WEBHOOKS > 0)); then
  read -r ORG_S KEY_S <<<"$(new_org bench-size)"
  read -r ORG_P _ <<<"$(new_org bench-size-others)"
  create_webhook "$KEY_S" "$RECV_URL?size=1" size >/dev/null
  log "size: $((SIZE_WEBHOOKS - 1)) more webhooks, then $SIZE_EVENTS events appended"
  "$BUILD_DIR/bench/populate" --data-dir "$DATA" --org "$ORG_P" --count $((SIZE_WEBHOOKS - 1)) \
    --threads 64 >/dev/null 2>"$ROOT/populate.err" || die "populate failed (see $ROOT/populate.err)"
  "$BUILD_DIR/bench/append_events" --data-dir "$DATA" --org "$ORG_S" --count "$SIZE_EVENTS" \
    2>"$ROOT/append_events.err" || die "append_events failed (see $ROOT/append_events.err)"
  log "  $(tail -1 "$ROOT/append_events.err")"
  start_notifier
  SIZE_START=$SECONDS
  wait_caught_up "$SIZE_SECONDS"
  SIZE_CAUGHT_UP=$((SECONDS - SIZE_START))
  sleep "$SIZE_DRAIN_SECONDS"  # delivering from the full queue
  VAL[rss_size]="$(vmhwm_mb "$NOTIFIER_PID")"
  SIZE_STATS="$(ctl stats --json)"
  stop_notifier
  log "  fan-out lag $LAG bytes after $SIZE_CAUGHT_UP s, then ${SIZE_DRAIN_SECONDS} s more" \
    "delivering; VmHWM ${VAL[rss_size]} MB"
  log "  $SIZE_STATS"
fi

# --- table ---------------------------------------------------------------------------------
LOAD_END="$(cut -d' ' -f1-3 /proc/loadavg)"
MISSED=0
row() {  # row METRIC VALUE CEILING TARGET_RATIO|-|"" TARGET_TEXT [cmp: ge|le] [limit]
  local metric="$1" value="$2" ceil="$3" tr="$4" ttext="$5" cmp="${6:-}" limit="${7:-}"
  local ratio="-" met="-"
  if [[ -n "$tr" && "$ceil" != "-" ]]; then
    ratio="$(awk -v v="$value" -v c="$ceil" 'BEGIN { if (c > 0) printf "%.2f", v / c; else print "nan" }')"
    [[ "$tr" == - ]] ||  # "-": the ratio is shown, but there is no target
      met="$(awk -v r="$ratio" -v t="$tr" 'BEGIN { print (r != "nan" && r + 0 >= t) ? "yes" : "NO" }')"
  elif [[ -n "$cmp" ]]; then
    met="$(awk -v v="$value" -v l="$limit" -v c="$cmp" 'BEGIN {
      if (v == "nan" || v == "") { print "NO"; exit }
      print ((c == "le" && v + 0 <= l) || (c == "ge" && v + 0 >= l)) ? "yes" : "NO" }')"
  fi
  [[ "$met" != NO ]] || MISSED=1
  printf '| %-42s | %10s | %10s | %5s | %-22s | %-4s |\n' "$metric" "$value" "$ceil" "$ratio" \
    "$ttext" "$met"
}
{
  echo
  echo "notifier benchmark (QUICK=$QUICK): $(nproc) cores, loadavg at start $LOAD_START, at end $LOAD_END"
  printf '| %-42s | %10s | %10s | %5s | %-22s | %-4s |\n' metric value ceiling ratio target met?
  printf '|%s|%s|%s|%s|%s|%s|\n' "--------------------------------------------" "------------" \
    "------------" "-------" "------------------------" "------"
  row "appends via API, events/s (ceil: API GET)" "${VAL[append_api]}" "${VAL[get]}" 0.7 ">= 0.7 x ceiling"
  row "  same, 50 per POST /v1/events/batch" "${VAL[append_batch]}" "${VAL[get]}" - "(informative)"
  row "appends via webhookctl, events/s (*)" "${VAL[append_ctl]}" - "" "-"
  row "ceiling: libcurl multi, req/s" "${VAL[ceiling]}" - "" "-"
  row "deliveries/s, fan-out 1 ($EVENTS ev)" "${VAL[deliv1]}" "${VAL[ceiling]}" 0.7 ">= 0.7 x ceiling"
  row "deliveries/s, fan-out 10 ($((EVENTS / 10)) ev)" "${VAL[deliv10]}" "${VAL[ceiling]}" 0.7 ">= 0.7 x ceiling"
  row "ceiling with the notifier's headers, req/s" "${VAL[ceiling_same]}" - "" "-"
  row "  fan-out 1 against it" "${VAL[deliv1]}" "${VAL[ceiling_same]}" - "(informative)"
  row "  fan-out 10 against it" "${VAL[deliv10]}" "${VAL[ceiling_same]}" - "(informative)"
  row "append->1st attempt p50 ms @ $LAT_RATE/s" "$LAT_P50" - "" "-"
  row "append->1st attempt p99 ms @ $LAT_RATE/s" "$LAT_P99" - "" "<= 50 ms" le 50
  row "  same, from the 202 (no API time) p50 ms" "$ACK_P50" - "" "-"
  row "  same, from the 202 (no API time) p99 ms" "$ACK_P99" - "" "(informative)"
  row "notifier VmHWM MB (**)" "${VAL[rss]}" - "" "(informative)"
  row "notifier VmHWM MB, $SIZE_WEBHOOKS wh, $SIZE_EVENTS ev" "${VAL[rss_size]}" - "" "<= 100 MB" le 100
  echo
  echo "(*)  one process start + store open per event: measures start-up, not the append path"
  echo "(**) $RSS_NOTE"
  echo "latency: $LAT_RECV of $LAT_SENT events received, max ${LAT_MAX} ms; measured from the"
  echo "  start of the POST /v1/events (send time is in the client event_id) to the first attempt's"
  echo "  arrival at bench/receiver.py; the 'from the 202' rows leave out the API's append time"
  echo "deliveries/s: backlog appended with the notifier stopped, then the drain rate from the first"
  echo "  to the last delivery in the receiver nginx's \$msec access log; $ROUNDS round(s) of both"
  echo "  ceilings then both drains, the round with the median fan-out-1 ratio shown above:"
  echo "$ROUNDS_TABLE"
  echo "ceiling with the notifier's headers: the same client (which sends Content-Type) also"
  echo "  sending User-Agent and the three Standard Webhooks headers (libcurl formats custom"
  echo "  headers byte by byte)"
}
if [[ "$STRICT" == 1 && "$MISSED" == 1 ]]; then exit 1; fi
exit 0
