#!/usr/bin/env bash
# `make infra-check`: the static checks of infra/, offline. Each step is one row of STEPS below, naming a
# function of this file or an executable of the repository: adding a check (ansible-lint, shellcheck of
# infra/, ...) that has its own script is one row. Every step runs even when an earlier one failed, so one run
# shows every problem; the exit code is 1 when any failed.
# The offline plan of infra/terraform/hetzner is left as JSON (`tofu show -json`) at <out>/hetzner-plan.json.
set -euo pipefail

usage() {
  cat <<USAGE
Usage: scripts/infra/check.sh [--only STEP[,STEP...]] [--skip STEP[,STEP...]] [--list]
Steps: $(step_names | paste -sd' ')
Writes to \${SLIPWAY_INFRA_OUT:-<repo>/.cache/infra}: hetzner-plan.json, the plan, generated test keys.
SLIPWAY_TERRAFORM_ROOT (default <repo>/infra/terraform) points the checks at another tree (tests use it).
USAGE
}

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
TF_ROOT="${SLIPWAY_TERRAFORM_ROOT:-${ROOT}/infra/terraform}"
OUT="${SLIPWAY_INFRA_OUT:-${ROOT}/.cache/infra}"
TOFU="${ROOT}/scripts/infra/tofu"
TFLINT="${ROOT}/scripts/infra/tflint"

# name | function, or executable path relative to the repository | what it proves
STEPS=(
  "tools|step_tools|tofu, the hcloud provider and tflint are built from their recorded module hashes (cached)"
  "fmt|step_fmt|every .tf file under infra/terraform is formatted as tofu fmt writes it"
  "validate-hetzner|step_validate_hetzner|hetzner/ is valid against the hcloud provider's schema"
  "validate-gcp|step_validate_gcp|gcp/ is valid against the google provider's schema (cannot run here)"
  "plan-hetzner|step_plan_hetzner|hetzner/ plans offline with example values; the JSON plan is kept"
  "tflint-hetzner|step_tflint_hetzner|hetzner/ passes tflint's terraform ruleset (all rules)"
  "tflint-gcp|step_tflint_gcp|gcp/ passes tflint's terraform ruleset (all rules)"
  "infra-tests|step_infra_tests|the tests in tests/infra (vitest project infra) assert on real plans"
)

# A step's function returns 0 (ok) or anything else (failed); one that cannot run here sets SKIP_REASON and
# returns 0 (exit codes are the tools' own: tofu fmt -check exits 3, for one).
SKIP_REASON=""

log() { printf 'infra-check: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 2; }

step_names() { local row; for row in "${STEPS[@]}"; do printf '%s\n' "${row%%|*}"; done; }

# validate and plan run on a fresh copy of infra/terraform (and infra/scripts, which the plan embeds), so they
# never write .terraform or a lock file into the tree, nor trip over one left there by an earlier provider
# build (a lock file records the package hash, which changes with the Go toolchain that built it).
WORK="${OUT}/src"

copy_tree() {
  rm -rf "${WORK}"
  mkdir -p "${WORK}"
  cp -r "${TF_ROOT}" "${WORK}/terraform"
  if [[ -d "${TF_ROOT}/../scripts" ]]; then cp -r "${TF_ROOT}/../scripts" "${WORK}/scripts"; fi
  find "${WORK}" \( -name .terraform -o -name .terraform.lock.hcl -o -name '*.tfstate*' \) -prune -exec rm -rf {} +
}

# A 64-character stand-in: the provider checks the token's shape when it is configured, and an offline plan
# never sends it anywhere. Real tokens come from the operator's environment only.
offline_env() {
  HCLOUD_TOKEN="offline-check-not-a-token-00000000000000000000000000000000000000" TF_DATA_DIR="${WORK}/data/$1" "${@:2}"
}

# ssh-keygen makes the plan's test keys; a minimal Debian may lack it.
ensure_ssh_keygen() {
  command -v ssh-keygen >/dev/null && return 0
  log "  installing openssh-client (ssh-keygen makes the plan's test keys)"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends openssh-client >/dev/null 2>&1 ||
    { apt-get update -q >/dev/null 2>&1 &&
      DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends openssh-client >/dev/null; }
}

step_tools() {
  ensure_ssh_keygen &&
    "${ROOT}/scripts/tools/go-tool" install tofu terraform-provider-hcloud tflint && "${TOFU}" --setup
}

step_fmt() { "${TOFU}" fmt -check -recursive -diff "${TF_ROOT}"; }

step_validate_hetzner() {
  copy_tree
  offline_env hetzner "${TOFU}" -chdir="${WORK}/terraform/hetzner" init -backend=false -input=false -no-color >/dev/null &&
    offline_env hetzner "${TOFU}" -chdir="${WORK}/terraform/hetzner" validate -no-color
}

step_validate_gcp() {
  SKIP_REASON="the google provider is not served by the Go module proxy at any recent version (v2+ tags lack a"
  SKIP_REASON+=" /vN module path) and no registry is reachable: its schema is unknown, so gcp/ gets fmt and tflint"
  SKIP_REASON+=" only (docs/INFRA.md)."
}

# Test keys, made once per output directory; the example tfvars supply every other value.
check_vars() {
  local keys="${OUT}/keys" kind
  mkdir -p "${keys}"
  chmod 0700 "${keys}"
  for kind in host admin deploy; do
    [[ -f "${keys}/${kind}_ed25519" ]] ||
      ssh-keygen -q -t ed25519 -N '' -C "slipway-check-${kind}" -f "${keys}/${kind}_ed25519"
  done
  cat >"${OUT}/hetzner-check.tfvars" <<VARS
# Generated by scripts/infra/check.sh: test keys made on this machine, for the offline plan only.
host_key_file        = "${keys}/host_ed25519"
admin_ssh_public_key = "$(cat "${keys}/admin_ed25519.pub")"
deploy_public_keys   = ["$(cat "${keys}/deploy_ed25519.pub")"]
VARS
}

step_plan_hetzner() {
  local dir="${WORK}/terraform/hetzner"
  copy_tree
  check_vars
  offline_env hetzner "${TOFU}" -chdir="${dir}" init -backend=false -input=false -no-color >/dev/null &&
    offline_env hetzner "${TOFU}" -chdir="${dir}" plan -input=false -lock=false -no-color -out="${OUT}/hetzner.tfplan" \
      -var-file="${dir}/terraform.tfvars.example" -var-file="${OUT}/hetzner-check.tfvars" >"${OUT}/hetzner-plan.txt" &&
    offline_env hetzner "${TOFU}" -chdir="${dir}" show -json "${OUT}/hetzner.tfplan" >"${OUT}/hetzner-plan.json.tmp" &&
    mv -f "${OUT}/hetzner-plan.json.tmp" "${OUT}/hetzner-plan.json" &&
    log "  $(grep -E '^Plan:' "${OUT}/hetzner-plan.txt") JSON: ${OUT#"${ROOT}"/}/hetzner-plan.json"
}

step_tflint_hetzner() { "${TFLINT}" --chdir="${TF_ROOT}/hetzner"; }

step_tflint_gcp() { "${TFLINT}" --chdir="${TF_ROOT}/gcp"; }

step_infra_tests() {
  if [[ -n "${SLIPWAY_TERRAFORM_ROOT:-}" ]]; then
    # The tests check the repository's tree (and run this script on copies of it): never recurse.
    SKIP_REASON="the tests run on the repository's own tree only, and SLIPWAY_TERRAFORM_ROOT is set."
    return 0
  fi
  (cd "${ROOT}" && npx vitest run --project infra)
}

# Prints one line per step and a summary; returns 1 when a step failed.
run_steps() {
  local only="$1" skip="$2" row name fn rc started ok=0 failed=() skipped=0
  for row in "${STEPS[@]}"; do
    IFS='|' read -r name fn _ <<<"${row}"
    [[ -z "${only}" || ",${only}," == *",${name},"* ]] || continue
    [[ ",${skip}," != *",${name},"* ]] || continue
    started=${SECONDS}
    rc=0
    SKIP_REASON=""
    if declare -F "${fn}" >/dev/null; then "${fn}" || rc=$?; else "${ROOT}/${fn}" || rc=$?; fi
    if ((rc == 0)) && [[ -n "${SKIP_REASON}" ]]; then
      skipped=$((skipped + 1))
      log "${name}: skipped: ${SKIP_REASON}"
    elif ((rc == 0)); then
      ok=$((ok + 1))
      log "${name}: ok ($((SECONDS - started)) s)"
    else
      failed+=("${name}")
      log "${name}: FAILED (exit ${rc}, $((SECONDS - started)) s)"
    fi
  done
  log "${ok} ok, ${#failed[@]} failed, ${skipped} skipped"
  if ((${#failed[@]})); then log "failed: ${failed[*]}"; fi
  ((${#failed[@]} == 0))
}

# Fails on a step name that is not in the table, so a typo in --only cannot silently check nothing.
known_steps() {
  local list="$1" name known
  [[ -z "${list}" ]] && return 0
  known=" $(step_names | paste -sd' ') "
  for name in ${list//,/ }; do
    [[ "${known}" == *" ${name} "* ]] || die "unknown step '${name}'. Steps:${known% }."
  done
}

main() {
  local only="" skip=""
  while (($#)); do
    case "$1" in
      -h | --help) usage; return 0 ;;
      --list)
        local row
        for row in "${STEPS[@]}"; do IFS='|' read -r name _ what <<<"${row}"; printf '%-18s %s\n' "${name}" "${what}"; done
        return 0
        ;;
      --only) only="${2:?--only needs a step list}"; shift 2 ;;
      --skip) skip="${2:?--skip needs a step list}"; shift 2 ;;
      *) usage >&2; return 2 ;;
    esac
  done
  known_steps "${only}"
  known_steps "${skip}"
  mkdir -p "${OUT}"
  run_steps "${only}" "${skip}"
}

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
  main "$@"
fi
