#!/usr/bin/env bash
# Shared paths, logging and process helpers for scripts/sandbox/{up,down,status}.
# Sourced, never run: it only defines variables and functions.

# shellcheck disable=SC2034 # the constants are used by the files that source this one
SANDBOX_LIB="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
SANDBOX_DIR="$(dirname "${SANDBOX_LIB}")"
REPO_ROOT="$(cd "${SANDBOX_DIR}/../.." && pwd)"
# Machine-wide, like the daemons, ports and namespace it describes: every checkout on this machine shares one
# CA, one registry password and one set of keys, so a second checkout never talks to daemons with the wrong ones.
STATE="${SLIPWAY_SANDBOX_STATE:-/var/lib/slipway/sandbox}"
RUN_DIR="${STATE}/run"
LOG_DIR="${STATE}/log"
CACHE_DIR="/var/cache/slipway"
DATA_DIR="/var/lib/slipway"

# The bare VPS hosts (scripts/sandbox/host) live on one Docker network of the host engine; this machine is its
# gateway and serves them the registry, the registry mirror and the apt proxy there.
readonly HOSTS_NETWORK="slipway-hosts"
readonly HOSTS_SUBNET="10.201.0.0/24"
readonly HOSTS_GATEWAY="10.201.0.1"
# Daemons that serve the hosts' network keep their pidfiles here, apart from the loopback ones.
HOSTS_RUN_DIR="${RUN_DIR}/hosts"
readonly REGISTRY_PORT="5000"
readonly MIRROR_PORT="5001"
readonly APT_PROXY_PORT="3142"
readonly HOST_DOCKER_SOCK="/var/run/docker.sock"
# The host the rehearsal and the deploy tests deploy to; scripts/sandbox/up makes it and runs setup-vps.sh on it.
readonly VPS_NAME="vps1"
readonly VPS_APP_DIR="/srv/slipway"
readonly DEBIAN_MIRROR="${SLIPWAY_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
# The upstream images the Dockerfiles and compose files name; the sandbox builds look-alikes of them
# (lib/images.sh, images/) and gives the VPS a copy of each. The chroma version is the PyPI pin in
# images/chroma/requirements.txt (tests/unit/base-images.test.ts keeps the two and the compose files in step).
readonly CHROMA_IMAGE="chromadb/chroma:1.5.9"
# The monitoring stack's images (infra/monitoring/compose.yaml), minus Grafana: no package of it exists here.
# All Docker Hub names, so the VPS pulls them through the mirror like the others.
readonly MONITORING_IMAGES=(prom/prometheus:v2.42.0 prom/node-exporter:v1.5.0
  prometheuscommunity/postgres-exporter:v0.11.1)
readonly BASE_IMAGES=(debian:bookworm-slim node:24-bookworm-slim postgres:15-bookworm caddy:2.6 "${CHROMA_IMAGE}"
  "${MONITORING_IMAGES[@]}")

log() { printf 'sandbox: %s\n' "$*" >&2; }
die() { printf 'sandbox: error: %s\n' "$*" >&2; exit 1; }

# Runs one named step and prints its duration, so a slow step is obvious in CI logs.
step() {
  local name="$1" start elapsed_ms
  shift
  start="${EPOCHREALTIME/./}"
  "$@"
  elapsed_ms=$(((${EPOCHREALTIME/./} - start) / 1000))
  printf 'sandbox: %-30s %4d.%01ds\n' "${name}" $((elapsed_ms / 1000)) $((elapsed_ms % 1000 / 100)) >&2
}

# up and down run from several places at once (test runs, the rehearsal, a developer); the engine,
# caches and namespace are machine-wide, so one machine-wide lock serialises them. It is fd 9: every daemon
# started while it is held must be started with `9>&-`, or the daemon holds the lock for as long as it runs.
take_lock() {
  local lock="/run/lock/slipway-sandbox.lock"
  mkdir -p "$(dirname "${lock}")"
  exec 9>"${lock}"
  if ! flock -n 9; then
    log "another sandbox up/down is running; waiting for it"
    flock -w 600 9 || die "the sandbox lock ${lock} is still held after 600s. Check for a hung scripts/sandbox/up."
  fi
}

ensure_dirs() {
  mkdir -p "${RUN_DIR}" "${HOSTS_RUN_DIR}" "${LOG_DIR}" "${CACHE_DIR}" "${DATA_DIR}"
  chmod 0700 "${STATE}"
}

# True when the pidfile names a live process; with a second argument, only if that process runs
# that program (a pidfile left over from before a reboot may name an unrelated process).
pid_alive() {
  local pidfile="$1" program="${2:-}" pid
  [[ -s "${pidfile}" ]] || return 1
  pid="$(cat "${pidfile}")"
  [[ "${pid}" =~ ^[0-9]+$ ]] && kill -0 "${pid}" 2>/dev/null || return 1
  [[ -z "${program}" || "$(basename "$(readlink "/proc/${pid}/exe" 2>/dev/null)")" == "${program}" ]]
}

# Sends SIGTERM to the program named by the pidfile, waits up to $3 seconds, then SIGKILL.
stop_pidfile() {
  local pidfile="$1" program="$2" wait_s="${3:-20}" pid i
  if pid_alive "${pidfile}" "${program}"; then
    pid="$(cat "${pidfile}")"
    kill -TERM "${pid}" 2>/dev/null || true
    for ((i = 0; i < wait_s * 10; i++)); do
      kill -0 "${pid}" 2>/dev/null || break
      sleep 0.1
    done
    if kill -0 "${pid}" 2>/dev/null; then
      log "${program} (pid ${pid}) ignored SIGTERM for ${wait_s}s; killing it"
      kill -KILL "${pid}" 2>/dev/null || true
    fi
  fi
  rm -f "${pidfile}"
}

# Polls a command until it succeeds or the timeout (seconds) passes.
wait_for() {
  local what="$1" timeout_s="$2" i
  shift 2
  for ((i = 0; i < timeout_s * 10; i++)); do
    if "$@" >/dev/null 2>&1; then
      return 0
    fi
    sleep 0.1
  done
  die "${what} not ready after ${timeout_s}s. See the logs in ${LOG_DIR}."
}

# apt-get install that never starts services (their packaged defaults listen on 0.0.0.0)
# and only refreshes the package lists when a package cannot be found.
apt_install() {
  local made_policy=0 rc=0
  if [[ ! -e /usr/sbin/policy-rc.d ]]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
    chmod 0755 /usr/sbin/policy-rc.d
    made_policy=1
  fi
  export DEBIAN_FRONTEND=noninteractive
  if ! apt-get install -y -q --no-install-recommends "$@" >>"${LOG_DIR}/apt.log" 2>&1; then
    log "apt-get update (package lists missing or stale)"
    apt-get update -q >>"${LOG_DIR}/apt.log" 2>&1 || log "apt-get update reported errors; trying anyway"
    apt-get install -y -q --no-install-recommends "$@" >>"${LOG_DIR}/apt.log" 2>&1 || rc=$?
  fi
  if ((made_policy)); then
    rm -f /usr/sbin/policy-rc.d
  fi
  ((rc == 0)) || die "apt-get install $* failed (exit ${rc}). See ${LOG_DIR}/apt.log."
}

# Installs the packages whose command is missing: pairs of "command package".
need_commands() {
  local missing=() cmd pkg
  while (($# >= 2)); do
    cmd="$1" pkg="$2"
    shift 2
    command -v "${cmd}" >/dev/null 2>&1 || missing+=("${pkg}")
  done
  if ((${#missing[@]} > 0)); then
    apt_install "${missing[@]}"
  fi
}

os_codename() {
  # shellcheck disable=SC1091
  (. /etc/os-release && printf '%s' "${VERSION_CODENAME:-}")
}

host_docker() { docker -H "unix://${HOST_DOCKER_SOCK}" "$@"; }
