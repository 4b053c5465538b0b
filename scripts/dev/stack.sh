#!/usr/bin/env bash
# The development stack (docker/compose.yaml + docker/compose.dev.yaml): hot reload, loopback-only ports.
set -euo pipefail

usage() {
  cat <<USAGE
Usage: scripts/dev/stack.sh <command> [--dry-run]
  up        build, start the dev stack (with the dev PostgreSQL), then migrate, scrape and embed once
  down      stop and remove the dev containers (volumes are kept)
  reset     stop and remove the dev containers AND their volumes (database, ChromaDB): a clean slate, e.g.
            after docker/secrets/db_password was regenerated and the old database refuses the new password
  logs      follow the logs of every dev service
  migrate   apply pending migrations
  eval      run the labelled eval queries against the dev stack and print the metrics JSON
Ports and variables: docs/PORTS.md, docker/.env.example.
USAGE
}

repo_root() { cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd; }

DRY_RUN=0

# Runs (or with --dry-run prints) one command given as an argument list.
run() {
  if ((DRY_RUN)); then
    printf '%q ' "$@"
    printf '\n'
  else
    "$@"
  fi
}

compose() {
  local root
  root="$(repo_root)"
  run docker compose --project-name "${SLIPWAY_DEV_PROJECT:-slipway-dev}" \
    -f "${root}/docker/compose.yaml" -f "${root}/docker/compose.dev.yaml" "$@"
}

# The dev password file is generated once and never leaves the machine (docker/secrets is git-ignored).
ensure_secret() {
  local dir file
  dir="$(repo_root)/docker/secrets"
  file="${dir}/db_password"
  [[ -s "${file}" ]] && return 0
  ((DRY_RUN)) && { echo "would create ${file#"$(repo_root)/"}"; return 0; }
  chmod 700 "${dir}"
  (umask 077 && head -c 24 /dev/urandom | base64 | tr -d '\n/+=' >"${file}")
  # Compose bind-mounts file secrets with host permissions; the containers' users must read it.
  chmod 644 "${file}"
  echo "created docker/secrets/db_password" >&2
}

# Builds behind a TLS-intercepting proxy need its CA; reuse the one npm on this machine is configured with.
export_npm_ca() {
  local cafile
  [[ -n "${SLIPWAY_NPM_CA_FILE:-}" ]] && return 0
  cafile="$(npm config get cafile 2>/dev/null || true)"
  if [[ -f "${cafile}" ]]; then
    export SLIPWAY_NPM_CA_FILE="${cafile}"
  fi
}

cmd_up() {
  ensure_secret
  export_npm_ca
  export COMPOSE_PROFILES="${COMPOSE_PROFILES:-db}"
  compose up --detach --build --wait --wait-timeout 180
  local job
  # --no-deps: the stack is already up and healthy; a job must not recreate it.
  for job in migrate scrape embed; do
    compose --profile tools run --rm --no-deps "${job}"
  done
  echo "dev stack up: api http://127.0.0.1:${SLIPWAY_DEV_API_PORT:-8080}, debugger 127.0.0.1:${SLIPWAY_DEV_DEBUG_PORT:-9229}" >&2
}

main() {
  local command="${1:-}"
  [[ "${2:-}" == "--dry-run" ]] && DRY_RUN=1
  case "${command}" in
    up) cmd_up ;;
    down) COMPOSE_PROFILES="db,tools" compose down --remove-orphans ;;
    reset) COMPOSE_PROFILES="db,tools" compose down --remove-orphans --volumes ;;
    logs) compose logs --follow --tail 100 ;;
    migrate) compose --profile tools run --rm --no-deps migrate ;;
    eval) compose --profile tools run --rm --no-deps -T eval ;;
    -h | --help) usage ;;
    *) usage >&2; return 2 ;;
  esac
}

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
  main "$@"
fi
