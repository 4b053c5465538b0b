#!/usr/bin/env bash
# `make bootstrap-drill`: installs what it needs (npm packages, the venv with Ansible, the sandbox), then runs
# the drill (scripts/bootstrap-drill/main.ts): two bare hosts, setup-vps.sh on one and Ansible on the other,
# each set up twice and deployed to, then compared. Writes bootstrap-report.json; exit 0 only when it says ok.
set -euo pipefail

usage() {
  cat <<USAGE
Usage: scripts/bootstrap-drill.sh [DRILL-OPTIONS]
Options are the drill's (see scripts/bootstrap-drill/main.ts): --setup-vps-host NAME, --ansible-host NAME,
--only setup-vps|ansible, --setup-vps-flags 'FLAGS', --report FILE, --sequential. Needs root.
See docs/INFRA.md.
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
  # The drill takes the sandbox's variables from its environment first: what this checkout's up just wrote.
  set -a
  # shellcheck source=/dev/null
  . "${SLIPWAY_SANDBOX_STATE:-/var/lib/slipway/sandbox}/env"
  set +a
  node --import tsx scripts/bootstrap-drill/main.ts "$@"
}

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
  main "$@"
fi
