#!/bin/bash
# Boots a real systemd as PID 1 in private PID + mount namespaces and runs the shipped units
# there (ExecStart= pointed at the built binaries):
#   - webhook-api.socket creates /run/webhooks/api.sock (root:www-data 0660); a FastCGI
#     GET /healthz from www-data (cgi-fcgi) activates webhook-api.service and gets 200;
#   - webhook-notifier.service reaches `active` only through READY=1 (Type=notify), shows a
#     STATUS= line, writes its metrics file (0644) in its RuntimeDirectory, survives
#     `systemctl reload` (SIGHUP), and is restarted after kill -9;
#   - webhook-api.service stopped alone leaves the socket usable: the next request activates
#     it again;
#   - with FAULT_LIB (tests/fault/fail_fdatasync.cc) preloaded, webhook-api answers an append
#     whose flush fails with 500 and /healthz with 503, stops itself (exit 75) after a failed
#     request 5 s or more after its start, and systemd restarts it;
#   - `systemctl stop` of both ends with Result=success, exit status 0, in under 5 s.
# Usage: real_systemd_test.sh BUILD_DIR SOURCE_DIR [FAULT_LIB]. Exit 77 (skipped) without root
# or tools.
#
# Safety (see the "Real systemd in a test" notes): /run, /tmp, /var/tmp, /var/lib and /var/log
# are private tmpfs inside the namespace (systemd's boot-time cleanup would otherwise empty the
# host's /tmp; StateDirectory= and the journal would write to the host's /var); the boot script
# and the units live under BUILD_DIR, never /tmp; units go to /run/systemd/system inside the
# namespace; the test boots a target of its own (not multi-user.target, whose host services,
# nginx and postgresql here, would start in the shared network namespace) and its unit copies
# get DefaultDependencies=no so sysinit.target (udev, sysusers, sysctl...) is not pulled in.
# ConfigurationDirectory= is dropped from the copies (it would create /etc/webhooks on the host);
# the notifier's --config points at a file under BUILD_DIR instead. systemd is powered off
# (SIGRTMIN+4, then SIGKILL) by a trap in every outcome.
# shellcheck disable=SC2015  # `cond && ok ... || fail ...`: ok() always succeeds
set -u

BUILD_DIR="$(cd "${1:?usage: $0 BUILD_DIR SOURCE_DIR}" && pwd)"
SOURCE_DIR="$(cd "${2:?usage: $0 BUILD_DIR SOURCE_DIR}" && pwd)"
FAULT_LIB="${3:-}"

skip() { echo "SKIP: $*"; exit 77; }
[[ $EUID -eq 0 ]] || skip "needs root"
for tool in unshare nsenter setpriv cgi-fcgi systemd-analyze; do
  command -v "$tool" >/dev/null || skip "$tool not installed"
done
[[ -x /lib/systemd/systemd ]] || skip "/lib/systemd/systemd not installed"
getent group www-data >/dev/null || skip "no www-data group"
for b in webhook-api webhook-notifier; do
  [[ -x "$BUILD_DIR/$b" ]] || { echo "FAIL: $BUILD_DIR/$b not built"; exit 1; }
done

# Inside the namespace /run, /tmp, /var/tmp, /var/lib and /var/log are fresh tmpfs mounts, so
# nothing the namespace needs may live under them: a build (or a clone) under /tmp would vanish.
# The work dir then goes to /var/cache, and the binaries are always copied into it.
case "$BUILD_DIR/" in
  /tmp/* | /run/* | /var/tmp/* | /var/lib/* | /var/log/*) WORK_BASE=/var/cache ;;
  *) WORK_BASE="$BUILD_DIR" ;;
esac
WORK="$(mktemp -d "$WORK_BASE/webhooks-systemd-test.XXXXXX")"
chmod 0755 "$WORK"
mkdir -p "$WORK/bin"
for b in webhook-api webhook-notifier webhookctl; do
  [[ -x "$BUILD_DIR/$b" ]] && cp "$BUILD_DIR/$b" "$WORK/bin/"
done
[[ -n "$FAULT_LIB" ]] && cp "$FAULT_LIB" "$WORK/bin/fail_fdatasync.so"
chmod 0755 "$WORK/bin" "$WORK/bin/"*
SD_PID=""       # PID 1 of the namespace, as seen from here
UNSHARE_PID=""
FAILED=0
fail() { echo "FAIL: $*"; FAILED=1; }
ok() { echo "ok: $*"; }

in_ns() { timeout 30 nsenter -t "$SD_PID" -p -m "$@"; }

cleanup() {
  if [[ -n "$SD_PID" ]] && kill -0 "$SD_PID" 2>/dev/null; then
    if ((FAILED)); then
      echo "--- journal of the test units (namespace) ---"
      timeout 10 nsenter -t "$SD_PID" -p -m journalctl --no-pager -o short-monotonic \
        -u webhook-api.socket -u webhook-api.service -u webhook-notifier.service 2>&1 | tail -60
    fi
    kill -s SIGRTMIN+4 "$SD_PID" 2>/dev/null
    for _ in $(seq 1 100); do kill -0 "$SD_PID" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$SD_PID" 2>/dev/null && kill -9 "$SD_PID" 2>/dev/null
  fi
  if [[ -n "$UNSHARE_PID" ]]; then
    for _ in $(seq 1 50); do kill -0 "$UNSHARE_PID" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$UNSHARE_PID" 2>/dev/null && kill -9 "$UNSHARE_PID" 2>/dev/null
    wait "$UNSHARE_PID" 2>/dev/null
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

# Unit copies: binaries from the build, no ConfigurationDirectory=, config under $WORK.
mkdir -p "$WORK/units"
cat >"$WORK/notifier.conf" <<'CONF'
poll-interval-ms = 50
twilio-auth-token = sekrit-token-must-not-be-logged
metrics-file = /run/webhook-notifier/webhook_notifier.prom
metrics-interval-ms = 100
CONF
chmod 0644 "$WORK/notifier.conf"
for u in webhook-api.socket webhook-api.service webhook-notifier.service; do
  sed -e "s|/usr/local/bin/|$WORK/bin/|g" \
      -e '/^ConfigurationDirectory/d' \
      -e "s|/etc/webhooks/notifier.conf|$WORK/notifier.conf|" \
      "$SOURCE_DIR/systemd/$u" >"$WORK/units/$u"
  mkdir -p "$WORK/units/$u.d"
  printf '[Unit]\nDefaultDependencies=no\n' >"$WORK/units/$u.d/test.conf"
done
cat >"$WORK/units/wh-test.target" <<'UNIT'
[Unit]
Description=webhooks systemd test
DefaultDependencies=no
Wants=systemd-journald.socket systemd-journald.service
UNIT
# D-Bus, for `systemd-run --wait --pipe` (the README's way to run webhookctl), without sysinit.
if [[ -e /lib/systemd/system/dbus.socket ]]; then
  for u in dbus.socket dbus.service; do
    mkdir -p "$WORK/units/$u.d"
    printf '[Unit]\nDefaultDependencies=no\n' >"$WORK/units/$u.d/test.conf"
  done
  printf 'Wants=dbus.socket\n' >>"$WORK/units/wh-test.target"
fi

if out="$(systemd-analyze verify "$WORK/units/webhook-api.socket" \
      "$WORK/units/webhook-api.service" "$WORK/units/webhook-notifier.service" 2>&1)" &&
   [[ -z "$out" ]]; then
  ok "systemd-analyze verify of the three units"
else
  fail "systemd-analyze verify: $out"
fi

cat >"$WORK/boot.sh" <<BOOT
#!/bin/bash
set -e
mount --make-rprivate /
for d in /run /tmp /var/tmp /var/lib /var/log; do mount -t tmpfs -o mode=0755 tmpfs "\$d"; done
chmod 1777 /tmp /var/tmp
mkdir -p /run/systemd/system
cp -r "$WORK/units/." /run/systemd/system/
exec /lib/systemd/systemd --system --unit=wh-test.target
BOOT
chmod 0755 "$WORK/boot.sh"

setsid unshare --pid --fork --mount-proc --mount "$WORK/boot.sh" >"$WORK/boot.log" 2>&1 </dev/null &
UNSHARE_PID=$!
for _ in $(seq 1 100); do
  SD_PID="$(awk '{print $1}' "/proc/$UNSHARE_PID/task/$UNSHARE_PID/children" 2>/dev/null)"
  [[ -n "$SD_PID" ]] && [[ "$(cat "/proc/$SD_PID/comm" 2>/dev/null)" == systemd ]] && break
  sleep 0.1
done
if [[ -z "$SD_PID" ]] || [[ "$(cat "/proc/$SD_PID/comm" 2>/dev/null)" != systemd ]]; then
  fail "systemd did not start as PID 1 of the namespace"; cat "$WORK/boot.log"; exit 1
fi
state=""
for _ in $(seq 1 120); do
  state="$(in_ns systemctl is-system-running 2>/dev/null)"
  [[ "$state" == running || "$state" == degraded ]] && break
  sleep 0.5
done
[[ "$state" == running || "$state" == degraded ]] || { fail "systemd state '$state'"; exit 1; }
ok "systemd booted in the namespace (PID $SD_PID outside, state $state)"

prop() { in_ns systemctl show -P "$2" "$1" 2>/dev/null; }
wait_prop() {  # unit property value tries(0.1 s)
  local i
  for ((i = 0; i < $4; i++)); do
    [[ "$(prop "$1" "$2")" == "$3" ]] && return 0
    sleep 0.1
  done
  return 1
}
healthz() {  # FastCGI GET /healthz as www-data (nginx's workers) over the activated socket
  in_ns setpriv --reuid=www-data --regid=www-data --clear-groups \
    env -i REQUEST_METHOD=GET REQUEST_URI=/healthz SCRIPT_NAME=/healthz QUERY_STRING= \
    SERVER_PROTOCOL=HTTP/1.1 cgi-fcgi -bind -connect /run/webhooks/api.sock 2>&1
}

in_ns systemctl start webhook-api.socket || fail "cannot start webhook-api.socket"
perm="$(in_ns stat -c '%U:%G %a %F' /run/webhooks/api.sock 2>&1)"
[[ "$perm" == "root:www-data 660 socket" ]] && ok "socket $perm" || fail "socket is '$perm'"
[[ "$(prop webhook-api.service ActiveState)" == inactive ]] || fail "api started before a request"

resp="$(healthz)"
if [[ "$resp" == *"Status: 200"* ]] || { [[ "$resp" != *"Status: "* ]] && [[ "$resp" == *ok* ]]; }; then
  ok "GET /healthz over the activated socket: $(echo "$resp" | head -1)"
else
  fail "GET /healthz: $resp"
fi
wait_prop webhook-api.service ActiveState active 50 && ok "webhook-api.service active (activated)" ||
  fail "webhook-api.service is $(prop webhook-api.service ActiveState)"
user="$(in_ns ps -o user= -p "$(prop webhook-api.service MainPID)" 2>/dev/null)"
[[ -n "$user" && "$user" != root ]] && ok "webhook-api runs as '$user'" || fail "api user '$user'"

# The README's way to run webhookctl on the services' data: as their user, via systemd-run.
if [[ -x "$WORK/bin/webhookctl" && -e /lib/systemd/system/dbus.socket ]]; then
  org="$(in_ns systemd-run --quiet --wait --pipe -p DynamicUser=yes -p User=webhooks \
         -p Group=webhooks -p StateDirectory=webhooks -p UMask=0077 \
         "$WORK/bin/webhookctl" --data-dir /var/lib/webhooks org create --name acme 2>&1)"
  [[ $? -eq 0 && -n "$org" && "$org" != *" "* ]] && ok "webhookctl via systemd-run: org $org" ||
    fail "webhookctl via systemd-run: $org"
fi

# Stopped alone, the API must leave systemd's socket usable (re-activation).
in_ns systemctl stop webhook-api.service
[[ "$(prop webhook-api.service Result)" == success ]] || fail "api stop result $(prop webhook-api.service Result)"
resp="$(healthz)"
[[ "$resp" == *"Status: 200"* || ( "$resp" != *"Status: "* && "$resp" == *ok* ) ]] &&
  ok "socket re-activates webhook-api after a stop" || fail "re-activation: $resp"

# Notifier: active only through READY=1.
in_ns systemctl start --no-block webhook-notifier.service
if wait_prop webhook-notifier.service ActiveState active 150; then
  ok "webhook-notifier.service active (Type=notify, READY=1)"
else
  fail "notifier is $(prop webhook-notifier.service ActiveState)/$(prop webhook-notifier.service SubState)"
fi
status="$(prop webhook-notifier.service StatusText)"
[[ "$status" == *lag* && "$status" == *pending* ]] && ok "STATUS=$status" || fail "StatusText '$status'"
[[ "$(prop webhook-notifier.service WatchdogUSec)" != 0 ]] && ok "watchdog armed" || fail "no watchdog"
# The metrics file in the unit's RuntimeDirectory, readable by a collector running as another user.
metrics=""
for _ in $(seq 1 50); do
  metrics="$(in_ns cat /run/webhook-notifier/webhook_notifier.prom 2>/dev/null)"
  [[ "$metrics" == *webhook_notifier_pending_deliveries* ]] && break
  sleep 0.1
done
mode="$(in_ns stat -c '%a' /run/webhook-notifier/webhook_notifier.prom 2>/dev/null)"
[[ "$metrics" == *"webhook_notifier_pending_deliveries 0"* && "$mode" == 644 ]] &&
  ok "metrics file written under the hardened unit (mode $mode)" ||
  fail "metrics file: mode '$mode', content '${metrics:0:200}'"

in_ns systemctl reload webhook-notifier.service || fail "reload failed"
for _ in $(seq 1 50); do
  in_ns journalctl --no-pager -u webhook-notifier.service 2>/dev/null | grep -q 'config reloaded' && break
  sleep 0.1
done
in_ns journalctl --no-pager -u webhook-notifier.service 2>/dev/null | grep -q 'config reloaded' &&
  ok "reload (SIGHUP) re-read the config" || fail "no 'config reloaded' in the journal"
wait_prop webhook-notifier.service ActiveState active 50 || fail "notifier not active after reload"

old_pid="$(prop webhook-notifier.service MainPID)"
in_ns systemctl kill -s KILL webhook-notifier.service
restarted=0
for _ in $(seq 1 100); do
  new_pid="$(prop webhook-notifier.service MainPID)"
  if [[ "$(prop webhook-notifier.service NRestarts)" -ge 1 && "$new_pid" != 0 && "$new_pid" != "$old_pid" &&
        "$(prop webhook-notifier.service ActiveState)" == active ]]; then
    restarted=1; break
  fi
  sleep 0.1
done
((restarted)) && ok "kill -9 -> restarted by systemd (PID $old_pid -> $new_pid, NRestarts=$(prop webhook-notifier.service NRestarts))" ||
  fail "not restarted after kill -9 ($(prop webhook-notifier.service ActiveState), NRestarts=$(prop webhook-notifier.service NRestarts))"

# A disk that fails to flush the event log, injected with LD_PRELOAD through a drop-in.
fcgi_post_event() {  # KEY: POST /v1/events as www-data over the socket
  local body='{"event_type":"object.created"}'
  in_ns setpriv --reuid=www-data --regid=www-data --clear-groups \
    env -i REQUEST_METHOD=POST REQUEST_URI=/v1/events SCRIPT_NAME=/v1/events QUERY_STRING= \
    SERVER_PROTOCOL=HTTP/1.1 CONTENT_TYPE=application/json CONTENT_LENGTH=${#body} \
    HTTP_AUTHORIZATION="Bearer $1" cgi-fcgi -bind -connect /run/webhooks/api.sock <<<"$body" 2>&1
}
if [[ -n "$FAULT_LIB" && -n "${org:-}" ]]; then
  key="$(in_ns systemd-run --quiet --wait --pipe -p DynamicUser=yes -p User=webhooks \
         -p Group=webhooks -p StateDirectory=webhooks -p UMask=0077 \
         "$WORK/bin/webhookctl" --data-dir /var/lib/webhooks key create --org "$org" 2>&1)"
  in_ns mkdir -p /run/systemd/system/webhook-api.service.d
  printf '[Service]\nEnvironment=LD_PRELOAD=%s WH_FAIL_FDATASYNC_PATH=/events/\n' \
    "$WORK/bin/fail_fdatasync.so" | in_ns tee /run/systemd/system/webhook-api.service.d/fault.conf >/dev/null
  in_ns systemctl daemon-reload
  in_ns systemctl restart webhook-api.service
  started_ns=$(date +%s%N)
  resp="$(fcgi_post_event "$key")"
  [[ "$resp" == *"Status: 500"* ]] && ok "append with a failing flush: 500" || fail "append: $resp"
  resp="$(healthz)"
  [[ "$resp" == *"Status: 503"* ]] && ok "/healthz 503 while the event log refuses appends" ||
    fail "healthz: $resp"
  restarts="$(prop webhook-api.service NRestarts)"
  sleep "$(awk -v t=$(( ($(date +%s%N) - started_ns) / 1000000 )) 'BEGIN { s = (5300 - t) / 1000; print (s > 0 ? s : 0) }')"
  fcgi_post_event "$key" >/dev/null
  restarted=0
  for _ in $(seq 1 50); do
    if (( $(prop webhook-api.service NRestarts) > restarts )) &&
       [[ "$(prop webhook-api.service ActiveState)" == active ]]; then restarted=1; break; fi
    sleep 0.1
  done
  journal="$(in_ns journalctl --no-pager -o cat -u webhook-api.service 2>/dev/null)"
  ((restarted)) && [[ "$journal" == *"exiting for systemd to restart"* ]] &&
    ok "webhook-api stopped itself and systemd restarted it (NRestarts=$(prop webhook-api.service NRestarts))" ||
    fail "no restart: $(prop webhook-api.service ActiveState), NRestarts=$(prop webhook-api.service NRestarts)"
  in_ns rm /run/systemd/system/webhook-api.service.d/fault.conf
  in_ns systemctl daemon-reload
  in_ns systemctl restart webhook-api.service
  resp="$(fcgi_post_event "$key")"
  [[ "$resp" == *"Status: 202"* ]] && ok "appends again without the fault" || fail "append: $resp"
fi

healthz >/dev/null
wait_prop webhook-api.service ActiveState active 50 || fail "api not active before the final stop"
start_ns=$(date +%s%N)
in_ns systemctl stop webhook-notifier.service webhook-api.service webhook-api.socket
elapsed_ms=$(( ($(date +%s%N) - start_ns) / 1000000 ))
for u in webhook-notifier.service webhook-api.service; do
  r="$(prop $u Result)"; s="$(prop $u ExecMainStatus)"
  [[ "$r" == success && "$s" == 0 ]] && ok "$u stopped: Result=$r status=$s" || fail "$u Result=$r status=$s"
done
((elapsed_ms < 5000)) && ok "systemctl stop took ${elapsed_ms} ms" || fail "stop took ${elapsed_ms} ms"

if in_ns journalctl --no-pager -o cat -u webhook-notifier.service -u webhook-api.service 2>/dev/null |
   grep -q 'sekrit-token'; then
  fail "a secret from the config reached the journal"
else
  ok "no secret in the journal"
fi
if ((FAILED)); then echo "FAILED"; exit 1; fi
echo "PASSED"
