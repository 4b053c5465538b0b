#!/usr/bin/env bash
# `make chaos`: installs what it needs (npm packages, the sandbox), then runs the fault drills
# (scripts/chaos/main.ts) against a fresh release of this checkout on the sandbox VPS and writes
# chaos-report.json. Deploys to the VPS: run it alone (nothing else may deploy there meanwhile).
set -euo pipefail

usage() {
  cat <<USAGE
Usage: scripts/chaos.sh
Deploys this checkout to the sandbox VPS, then kills or OOMs each container of the live release under load,
fills Docker's data filesystem to 95 % and restarts the VPS's Docker engine, one at a time; writes
chaos-report.json. Needs root. CHAOS_ONLY="kill api,oom" runs only the drills whose name starts so.
See docs/RUNBOOK.md ("Fault drills").
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
  node --import tsx scripts/chaos/main.ts
}

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
  main "$@"
fi
