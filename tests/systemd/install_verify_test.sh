#!/bin/bash
# `cmake --install` into a scratch prefix, then checks what landed there: the three binaries,
# the units in <prefix>/lib/systemd/system with ExecStart= at <prefix>/bin, the nginx site and
# the example config; `systemd-analyze verify` of every installed unit (it also checks that the
# ExecStart= binaries exist); and prints `systemd-analyze security` exposure of both services.
# Usage: install_verify_test.sh BUILD_DIR. Exit 77 (skipped) without systemd-analyze.
set -u
BUILD_DIR="$(cd "${1:?usage: $0 BUILD_DIR}" && pwd)"
command -v systemd-analyze >/dev/null || { echo "SKIP: systemd-analyze not installed"; exit 77; }

WORK="$(mktemp -d "$BUILD_DIR/install-test.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
PREFIX="$WORK/prefix"
FAILED=0
fail() { echo "FAIL: $*"; FAILED=1; }

cmake --install "$BUILD_DIR" --prefix "$PREFIX" >"$WORK/install.log" 2>&1 ||
  { cat "$WORK/install.log"; echo "FAIL: cmake --install"; exit 1; }

UNITS="$PREFIX/lib/systemd/system"
for f in bin/webhook-api bin/webhook-notifier bin/webhookctl \
         lib/systemd/system/webhook-api.socket lib/systemd/system/webhook-api.service \
         lib/systemd/system/webhook-notifier.service \
         share/webhooks/nginx/webhooks.conf share/webhooks/notifier.conf.example; do
  [[ -e "$PREFIX/$f" ]] || fail "not installed: $f"
done
for b in webhook-api webhook-notifier; do
  grep -q "^ExecStart=$PREFIX/bin/$b " "$UNITS/$b.service" ||
    fail "$b.service ExecStart= does not point at $PREFIX/bin: $(grep ExecStart= "$UNITS/$b.service")"
done
grep -q "/usr/local/" "$UNITS"/* && fail "an installed unit still names /usr/local/"
[[ -e "$PREFIX/share/doc/webhooks/README.md" ]] || fail "README not installed"

# The socket unit and nginx's site agree on the socket path.
sock="$(sed -n 's/^ListenStream=//p' "$UNITS/webhook-api.socket")"
grep -q "server unix:$sock;" "$PREFIX/share/webhooks/nginx/webhooks.conf" ||
  fail "nginx site does not use the socket unit's $sock"

out="$(cd "$UNITS" && systemd-analyze verify webhook-api.socket webhook-api.service \
       webhook-notifier.service 2>&1)"
if [[ -n "$out" ]]; then fail "systemd-analyze verify: $out"; else echo "ok: systemd-analyze verify"; fi

for s in webhook-api.service webhook-notifier.service; do
  line="$(systemd-analyze security --offline=true --no-pager "$UNITS/$s" 2>/dev/null |
          grep 'Overall exposure level')"
  echo "security $s: ${line#*→ }"
  [[ "$line" == *SAFE* || "$line" == *OK* ]] || fail "$s exposure is above OK: $line"
done

((FAILED)) && exit 1
echo PASSED
