#!/usr/bin/env bash
# `make drill`: installs what it needs (npm packages, the sandbox), then runs the disaster-recovery drills of
# docs/DISASTER_RECOVERY.md on the sandbox VPS (scripts/drill/main.ts) and writes drill-report.json.
set -euo pipefail

usage() {
  cat <<USAGE
Usage: scripts/drill.sh
Runs every disaster-recovery drill on the sandbox VPS and writes drill-report.json; exits 1 when one failed.
Needs root (the sandbox). Deploys to the sandbox VPS: nothing else may deploy there meanwhile.
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
  node --import tsx scripts/drill/main.ts
}

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
  main "$@"
fi
