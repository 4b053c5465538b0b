#!/usr/bin/env bash
# Protects the production environment on GitHub: deployments from main only, optional required reviewers.
# A thin wrapper: the logic is scripts/github/protect-production.ts (GitHub's REST API through the toolkit's
# client). The token is read from GITHUB_TOKEN, never from the command line.
set -euo pipefail

main() {
  cd "$(dirname "${BASH_SOURCE[0]}")/../.."
  exec node --import tsx scripts/github/protect-production.ts "$@"
}

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
  main "$@"
fi
