# shellcheck shell=bash
# Helpers shared by scripts/run and scripts/test. Source it, don't run it:
#   source "$(dirname "${BASH_SOURCE[0]}")/deps.sh"
#
#   wh_install_deps [extra packages...]
#       apt-get installs whatever of the build/runtime set (plus the extras) is missing.
#   wh_render_nginx_conf TEMPLATE OUT PORT SOCKET RUNDIR WORKERS
#       renders nginx/nginx.conf.template by replacing @PORT@ @SOCKET@ @RUNDIR@ @WORKERS@.
#   wh_free_port
#       prints a loopback TCP port no one listens on, outside the ephemeral range (benchmarks).

# The build and runtime set for a fresh Debian 12 machine.
WH_DEPS=(
  build-essential cmake g++ pkg-config
  libfcgi-dev libfcgi-bin
  liblmdb-dev lmdb-utils
  rapidjson-dev libboost-program-options-dev libabsl-dev
  libcurl4-openssl-dev libssl-dev zlib1g-dev libcmark-dev libjemalloc-dev
  python3 python3-aiosmtpd
  libgtest-dev libsystemd-dev
  nginx-light
  curl ca-certificates
)

_wh_log() { printf '==> %s\n' "$*" >&2; }

# True when Debian package $1 is installed.
_wh_pkg_installed() {
  local status
  status="$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" || return 1
  [[ "$status" == "install ok installed" ]]
}

# Some needs are met by a command rather than one particular package: another nginx flavour
# (nginx, nginx-full, nginx-extras) serves as well as nginx-light, and installing nginx-light
# over it would remove it; Node.js from another source ships its own npm, and Debian's npm
# package would conflict with it.
_wh_need_met() {
  local pkg="$1"
  case "$pkg" in
    nginx-light)  command -v nginx >/dev/null 2>&1 && return 0 ;;
    nodejs)       command -v node >/dev/null 2>&1 && return 0 ;;
    npm)          command -v npm >/dev/null 2>&1 && return 0 ;;
    clang-format) command -v clang-format >/dev/null 2>&1 && return 0 ;;
    shellcheck)   command -v shellcheck >/dev/null 2>&1 && return 0 ;;
  esac
  _wh_pkg_installed "$pkg"
}

# shellcheck disable=SC2120  # extra packages are optional
wh_install_deps() {
  local pkg missing=()
  for pkg in "${WH_DEPS[@]}" "$@"; do
    [[ -n "$pkg" ]] || continue
    _wh_need_met "$pkg" || missing+=("$pkg")
  done
  if ((${#missing[@]} == 0)); then
    return 0
  fi
  _wh_log "installing missing packages: ${missing[*]}"
  local -a sudo=()
  if ((EUID != 0)); then
    if command -v sudo >/dev/null 2>&1; then
      sudo=(sudo)
    else
      _wh_log "error: need root (or sudo) to install: ${missing[*]}"
      return 1
    fi
  fi
  # Wait for a concurrent apt/dpkg instead of failing on its lock.
  local -a apt_opts=(-y -q --no-install-recommends -o DPkg::Lock::Timeout=300)
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -q -o DPkg::Lock::Timeout=300 update ||
    { _wh_log "error: apt-get update failed"; return 1; }
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install "${apt_opts[@]}" "${missing[@]}" ||
    { _wh_log "error: apt-get install failed: ${missing[*]}"; return 1; }
}

# Escapes a value for the replacement side of a sed s||| command.
_wh_sed_escape() {
  printf '%s' "$1" | sed -e 's/[\\|&]/\\&/g'
}

wh_render_nginx_conf() {
  if (($# != 6)); then
    _wh_log "usage: wh_render_nginx_conf TEMPLATE OUT PORT SOCKET RUNDIR WORKERS"
    return 2
  fi
  local template="$1" out="$2" port="$3" socket="$4" rundir="$5" workers="$6" v
  for v in "$port" "$socket" "$rundir" "$workers"; do
    if [[ -z "$v" || "$v" == *[[:space:]]* || "$v" == *[\;\'\"{}]* ]]; then
      _wh_log "error: nginx.conf value '$v' is empty or has whitespace, quotes, ';' or braces"
      return 1
    fi
  done
  [[ "$port" =~ ^[0-9]+$ ]] || { _wh_log "error: port '$port' is not a number"; return 1; }
  [[ "$socket" == /* && "$rundir" == /* ]] ||
    { _wh_log "error: socket and run dir must be absolute paths"; return 1; }
  [[ -r "$template" ]] || { _wh_log "error: cannot read $template"; return 1; }
  sed -e "s|@PORT@|$(_wh_sed_escape "$port")|g" \
      -e "s|@SOCKET@|$(_wh_sed_escape "$socket")|g" \
      -e "s|@RUNDIR@|$(_wh_sed_escape "$rundir")|g" \
      -e "s|@WORKERS@|$(_wh_sed_escape "$workers")|g" \
      "$template" >"$out.tmp" || return 1
  if grep -q '@[A-Z_]\+@' "$out.tmp"; then
    _wh_log "error: unreplaced placeholder in $out: $(grep -o '@[A-Z_]\+@' "$out.tmp" | sort -u | tr '\n' ' ')"
    rm -f "$out.tmp"
    return 1
  fi
  mv -f "$out.tmp" "$out"
}

# A port that an outgoing connection holds as its local port cannot be bound by a listener, so
# the pick avoids the kernel's ephemeral range (ip_local_port_range), where clients' ports are.
wh_free_port() {
  local lo=32768 hi=60999 from=10000 to p i
  read -r lo hi </proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || true
  to=$((lo - 1))
  if ((to - from < 1000)); then from=$((hi + 1)) to=65535; fi
  for ((i = 0; i < 200; i++)); do
    p=$((from + RANDOM % (to - from + 1)))
    ss -Htln "sport = :$p" 2>/dev/null | grep -q . || { echo "$p"; return 0; }
  done
  return 1
}
