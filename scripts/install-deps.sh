#!/usr/bin/env bash
# Installs every Debian package that relaycast's build, tests and benchmarks need.
# Idempotent: installs only what is missing and runs `apt-get update` at most once.
set -euo pipefail

packages=(
  # build
  build-essential cmake ninja-build ccache pkg-config
  libboost1.81-dev libssl-dev openssl nlohmann-json3-dev libtomlplusplus-dev libcli11-dev
  libspdlog-dev libfmt-dev
  # rtmps:// push targets and origins are verified against the system's CA store
  ca-certificates
  # cluster: the Redis-shared node registry (hiredis) and the redis-server its tests start
  libhiredis-dev redis-server
  # SRT listener (Debian's ffmpeg links the GnuTLS flavour; both coexist)
  libsrt-openssl-dev
  # make package: dpkg-shlibdeps computes the package's Depends
  dpkg-dev
  # tests
  libgtest-dev libgmock-dev libbenchmark-dev python3 ffmpeg curl
  # promtool checks /metrics in the tests (Debian ships it in prometheus)
  prometheus
  # fuzzing and sanitizers
  # (clang 16: the first Debian clang that compiles libstdc++ 12's <expected>)
  clang-16 libclang-rt-16-dev
  # make lint: the style checks CI runs on changed files
  clang-format-16 clang-tidy-16
  # benchmarks (nginx-rtmp is the reference server)
  rtmpdump nginx libnginx-mod-rtmp wrk procps iproute2
  # the demo stream's clock
  fonts-dejavu-core
  # browser tests (driven by playwright-core from npm)
  chromium
)
# Node.js: the machine image may already have a newer one than Debian's; only install
# Debian's when there is none.
command -v node >/dev/null 2>&1 || packages+=(nodejs)
command -v npm >/dev/null 2>&1 || packages+=(npm)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

install_npm_packages() {
  # npm packages pinned by lock files: hls.js for the web pages, built into the binary
  # (web/); playwright-core and hls.js for the browser tests (tests/e2e).
  local root dir
  root="$(cd "$(dirname "$0")/.." && pwd)"
  for dir in "$root/web" "$root/tests/e2e"; do
    if [ -f "$dir/package-lock.json" ] && [ ! -d "$dir/node_modules" ]; then
      echo "install-deps: npm ci in $dir"
      (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
    fi
  done
}

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  install_npm_packages
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps: missing packages: ${missing[*]}" >&2
  echo "install-deps: run as root (or: sudo $0)" >&2
  exit 1
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
# nginx from Debian starts itself on port 80; the benchmark runs its own instance.
if systemctl is-active --quiet nginx 2>/dev/null; then systemctl stop nginx || true; fi
# prometheus is installed for promtool only; its service need not run.
if systemctl is-active --quiet prometheus 2>/dev/null; then systemctl stop prometheus || true; fi
install_npm_packages
