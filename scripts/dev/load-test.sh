#!/usr/bin/env bash
# A bounded load test from loopback with wrk: /health and /search, requests/s and latency percentiles.
set -euo pipefail

usage() {
  cat <<USAGE
Usage: scripts/dev/load-test.sh [--dry-run]
Environment (defaults): LOAD_URL=http://127.0.0.1:8080  LOAD_DURATION=10s  LOAD_CONNECTIONS=16  LOAD_THREADS=2
Only loopback targets are accepted. Installs Debian's wrk when it is missing.
USAGE
}

readonly MAX_CONNECTIONS=256

ensure_wrk() {
  command -v wrk >/dev/null && return 0
  echo "load-test: installing wrk from Debian" >&2
  apt-get install -y --no-install-recommends wrk >/dev/null
}

main() {
  local dry_run=0
  case "${1:-}" in
    -h | --help) usage; return 0 ;;
    --dry-run) dry_run=1 ;;
    "") ;;
    *) usage >&2; return 2 ;;
  esac
  local url="${LOAD_URL:-http://127.0.0.1:8080}" duration="${LOAD_DURATION:-10s}"
  local connections="${LOAD_CONNECTIONS:-16}" threads="${LOAD_THREADS:-2}"
  if [[ ! "${url}" =~ ^http://(127\.[0-9]+\.[0-9]+\.[0-9]+|localhost)(:[0-9]+)?$ ]]; then
    echo "load-test: LOAD_URL must be a loopback http URL without a path, got \"${url}\"." >&2
    return 2
  fi
  if [[ ! "${duration}" =~ ^[0-9]+s$ ]] || ((${duration%s} < 1 || ${duration%s} > 120)); then
    echo "load-test: LOAD_DURATION must be 1s to 120s, got \"${duration}\"." >&2
    return 2
  fi
  if ((connections < 1 || connections > MAX_CONNECTIONS || threads < 1 || threads > connections)); then
    echo "load-test: LOAD_CONNECTIONS must be 1..${MAX_CONNECTIONS} and LOAD_THREADS 1..connections." >&2
    return 2
  fi
  local path
  for path in "/health" "/search?q=zero%20downtime%20deploys&k=5"; do
    local argv=(wrk --latency --timeout 5s -d "${duration}" -c "${connections}" -t "${threads}" "${url}${path}")
    echo "== ${path} (${duration}, ${connections} connections)"
    if ((dry_run)); then
      printf '%q ' "${argv[@]}"
      printf '\n'
    else
      ensure_wrk
      "${argv[@]}"
    fi
  done
}

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
  main "$@"
fi
