#!/usr/bin/env bash
# The host part of `make infra-check`: static checks of infra/ansible and infra/scripts, offline. One row of
# STEPS and one function per check; every step runs even after a failure; exit 1 when any failed.
set -euo pipefail

usage() {
  cat <<USAGE
Usage: scripts/infra/check-hosts.sh
Steps: $(step_names | paste -sd' ')
Needs the venv of scripts/setup.sh (ansible, ansible-lint, shellcheck).
USAGE
}

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BIN="${ROOT}/.venv/bin"
ANSIBLE_DIR="${ROOT}/infra/ansible"

# name | function | what it proves
STEPS=(
  "ansible-lint|step_ansible_lint|roles and playbooks pass ansible-lint's production profile"
  "ansible-syntax|step_ansible_syntax|setup.yml, deploy.yml, rollback.yml, monitoring.yml and backup.yml parse, and their roles resolve"
  "shellcheck-infra|step_shellcheck|setup-vps.sh and the roles' scripts are shellcheck clean"
  "setup-vps-facts|step_facts|setup-vps.sh carries the facts the roles define (scripts/build/setup-vps-facts.mjs)"
)

step_names() { local row; for row in "${STEPS[@]}"; do printf '%s\n' "${row%%|*}"; done; }

ansible_env() { env ANSIBLE_CONFIG="${ANSIBLE_DIR}/ansible.cfg" PATH="${BIN}:${PATH}" "$@"; }

step_ansible_lint() { (cd "${ANSIBLE_DIR}" && ansible_env "${BIN}/ansible-lint" --offline -q); }

step_ansible_syntax() {
  local playbook
  for playbook in setup.yml deploy.yml rollback.yml monitoring.yml backup.yml; do
    (cd "${ANSIBLE_DIR}" && ansible_env "${BIN}/ansible-playbook" -i inventory/example --syntax-check "${playbook}") ||
      return 1
  done
}

step_shellcheck() {
  local files=()
  mapfile -t files < <(cd "${ROOT}" && git ls-files --cached --others --exclude-standard -- 'infra/scripts/*.sh' 'infra/ansible/**/*.sh')
  (cd "${ROOT}" && "${BIN}/shellcheck" --external-sources "${files[@]}")
}

step_facts() {
  local script="${ROOT}/infra/scripts/setup-vps.sh" before
  before="$(sha256sum <"${script}")"
  (cd "${ROOT}" && node scripts/build/setup-vps-facts.mjs)
  [[ "$(sha256sum <"${script}")" == "${before}" ]] ||
    { echo "setup-vps.sh was out of date with the roles; it is regenerated now: review and commit it." >&2; return 1; }
}

main() {
  if [[ "${1:-}" == "-h" || "${1:-}" == "--help" ]]; then usage; return 0; fi
  local row name fn failed=()
  OUT="$(mktemp)"
  trap 'rm -f "${OUT}"' EXIT
  for row in "${STEPS[@]}"; do
    name="${row%%|*}" fn="${row#*|}" fn="${fn%%|*}"
    if "${fn}" >"${OUT}" 2>&1; then
      printf 'infra-check: %-18s ok\n' "${name}"
    else
      printf 'infra-check: %-18s FAILED\n' "${name}"
      sed 's/^/    /' "${OUT}"
      failed+=("${name}")
    fi
  done
  ((${#failed[@]} == 0)) || { echo "infra-check: failed: ${failed[*]}" >&2; return 1; }
}

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
  main "$@"
fi
