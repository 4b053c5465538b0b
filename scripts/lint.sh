#!/usr/bin/env bash
# Every linter the project uses, each from the pinned toolchain (node_modules and .venv), never a global one.
# Runs them all and fails at the end if any failed, so one run shows every problem.
set -euo pipefail

usage() {
  echo "Usage: scripts/lint.sh    (run after scripts/setup.sh; exits 1 when any linter reports a problem)"
}

# Shell scripts: *.sh files plus extensionless files whose first line runs bash.
shell_scripts() {
  local f
  while IFS= read -r f; do
    if [[ "${f}" == *.sh ]] || head -n1 "${f}" | grep -qE '^#!.*\bbash\b'; then
      printf '%s\n' "${f}"
    fi
  done < <(git ls-files --cached --others --exclude-standard -- scripts .ci 'infra/**' service/bin | sort -u)
}

dockerfiles() {
  git ls-files --cached --others --exclude-standard -- '*Dockerfile*' | grep -v '/dist/' | sort -u
}

yaml_files() {
  git ls-files --cached --others --exclude-standard -- '*.yml' '*.yaml' | grep -vE '^(\.github/workflows/|node_modules/)' | sort -u
}

main() {
  if [[ "${1:-}" == "-h" || "${1:-}" == "--help" ]]; then
    usage
    return 0
  fi
  cd "$(dirname "${BASH_SOURCE[0]}")/.."
  local bin=".venv/bin" failed=() files=()

  npx eslint . || failed+=(eslint)
  npx prettier --check --log-level warn . || failed+=(prettier)

  mapfile -t files < <(shell_scripts)
  if ((${#files[@]})); then "${bin}/shellcheck" --external-sources "${files[@]}" || failed+=(shellcheck); fi

  mapfile -t files < <(dockerfiles)
  if ((${#files[@]})); then "${bin}/hadolint" --failure-threshold style "${files[@]}" || failed+=(hadolint); fi

  mapfile -t files < <(yaml_files)
  if ((${#files[@]})); then "${bin}/yamllint" --strict "${files[@]}" || failed+=(yamllint); fi

  if ((${#failed[@]})); then
    echo "lint: failed: ${failed[*]}" >&2
    return 1
  fi
  echo "lint: eslint, prettier, shellcheck, hadolint, yamllint clean"
}

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
  main "$@"
fi
