#!/usr/bin/env bash
# `make rehearse`: installs what it needs (npm packages, linters, the sandbox), then runs the rehearsal
# (scripts/rehearsal/main.ts). Idempotent; a warm machine goes straight to the rehearsal.
set -euo pipefail

usage() {
  cat <<USAGE
Usage: scripts/rehearse.sh
Runs Slipway's whole story on this machine: the generated workflows under act against the sandbox (PR gate,
merge deployed under load, a bad merge refused, rollback), and writes rehearsal-report.json. Needs root (the
sandbox starts a Docker engine, a registry and the bare VPS host vps1). See docs/REHEARSAL.md.
USAGE
}

main() {
  if [[ "${1:-}" == "-h" || "${1:-}" == "--help" ]]; then
    usage
    return 0
  fi
  cd "$(dirname "${BASH_SOURCE[0]}")/.."
  scripts/setup.sh
  scripts/sandbox/up
  node --import tsx scripts/rehearsal/main.ts
}

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
  main "$@"
fi
