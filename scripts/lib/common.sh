# scripts/lib/common.sh — shared by scripts/run, scripts/test and scripts/bench:
# install what is missing (Debian 12 packages) and build with CMake.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"

BUILD_PACKAGES=(cmake g++ ninja-build pkg-config libuv1-dev libjemalloc-dev doctest-dev
                libbenchmark-dev liblua5.1-0-dev lua-cjson-dev lua-bitop-dev libssl-dev)
# tcl: tclsh runs Redis's own test suite (tests/suite/run_guard.py).
# openssl: the TLS tests make their certificates with its command-line tool.
# redis-sentinel: three of them fail a cairn primary over (tests/integration/test_sentinel.py).
# python3-rq, python3-celery, python3-limits, ruby-sidekiq, node-redis: applications and a
# client in another language run unchanged against the server (test_applications.py).
TEST_PACKAGES=(redis-server redis-tools redis-sentinel python3 python3-redis libhiredis-dev tcl
               openssl python3-rq python3-celery python3-limits ruby-sidekiq node-redis)

# log MESSAGE: a step's heading, with the seconds since the script started (where CI time goes).
log() { printf '==> [%ds] %s\n' "$SECONDS" "$*" >&2; }

# ensure_packages PKG...: apt-get installs the packages that are not installed yet.
ensure_packages() {
  local missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  log "installing: ${missing[*]}"
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null
  # Debian starts the packaged redis-server as a service; tests and benchmarks start their
  # own on free ports, so a service on 6379 would only collide with scripts/run.
  if printf '%s\n' "${missing[@]}" | grep -qx redis-server; then
    $sudo systemctl disable --now redis-server >/dev/null 2>&1 || true
    $sudo service redis-server stop >/dev/null 2>&1 || true
  fi
}

# build DIR [cmake options...] [-- targets...]: configure DIR with the options (every time, so
# a tree made by an older script gets today's flags), then build the targets (all of them
# when none are named).
build() {
  local dir="$1"
  shift
  local options=() targets=()
  while [ $# -gt 0 ] && [ "$1" != "--" ]; do options+=("$1"); shift; done
  [ $# -gt 0 ] && shift
  targets=("$@")
  cmake -S "$ROOT" -B "$dir" -G Ninja "${options[@]}" >/dev/null
  if [ ${#targets[@]} -gt 0 ]; then
    cmake --build "$dir" -j "$(nproc)" --target "${targets[@]}"
  else
    cmake --build "$dir" -j "$(nproc)"
  fi
}
