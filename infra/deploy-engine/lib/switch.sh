#!/usr/bin/env bash
# deploy and rollback: one blue/green switch under the lock. The old slot serves until the new one is
# healthy; only then is state/current rewritten and the old slot stopped gracefully. Sourced by bin/slipway.
# shellcheck disable=SC2034 # globals shared with the other engine files

current_release() { if [[ -s "${STATE_DIR}/current" ]]; then cat "${STATE_DIR}/current"; fi; }

# Makes the host consistent after an engine that was killed: whatever runs in the slot that is not live is
# a leftover (stopped gracefully, so it drains if Caddy had started using it), and unfinished ledger
# entries are marked interrupted.
recover() {
  local current="$1" live slot
  live="$(live_slot "${current}")"
  for slot in blue green; do
    [[ "${slot}" == "${live}" ]] && continue
    if [[ -n "$(slot_containers "${slot}")" ]]; then
      log "recovery: slot ${slot} has leftovers of an earlier run (live: ${current:-none} in ${live:-no slot})"
      slot_down "${slot}"
    fi
  done
  ledger_mark_interrupted
}

on_signal() {
  trap - INT TERM HUP
  log "interrupted by a signal"
  ledger_close interrupted "the engine received a signal"
  exit 130
}

on_error() {
  trap - ERR
  fail "internal error: '${BASH_COMMAND}' failed (line $1)."
}

# switch KIND RELEASE
switch() {
  local kind="$1" release="$2" current live target started detail
  started="${SECONDS}"
  set -o errtrace
  trap on_signal INT TERM HUP
  trap 'on_error $LINENO' ERR
  lock_take "${release}"
  current="$(current_release)"
  recover "${current}"
  live="$(live_slot "${current}")"
  target="$(other_slot "${live:-green}")"
  ledger_open "${kind}" "${release}" "${current}" "${target}" "$(release_images "${release}")" \
    "$(release_field "${release}" gitSha)"
  if [[ "${kind}" == "deploy" ]]; then images_pull "${release}"; else images_present "${release}"; fi
  infra_up "${release}"
  if [[ "${kind}" == "deploy" ]] && ! detail="$(slot_migrate "${target}" "${release}")"; then
    fail "the migrate service of ${release} failed; ${current:-nothing} keeps serving." "$(tail -n 20 <<<"${detail}")"
  fi
  if [[ -n "${detail:-}" ]]; then printf '%s\n' "${detail}" >&2; fi
  slot_up "${target}" "${release}" || {
    detail="$(slot_diagnostics "${target}")"
    slot_down "${target}" 10
    fail "starting ${release} in slot ${target} failed; ${current:-nothing} keeps serving." "${detail}"
  }
  if ! wait_healthy "${target}" "${release}" "${HEALTH_TIMEOUT}"; then
    detail="$(slot_diagnostics "${target}")"
    slot_down "${target}" 10
    fail "release ${release} never became healthy in slot ${target} (health timeout ${HEALTH_TIMEOUT}s); ${current:-nothing} keeps serving." "${detail}"
  fi
  log "${release} is healthy in slot ${target}; giving the proxy ${PROXY_SETTLE}s to see it"
  pause "${PROXY_SETTLE}"
  write_atomic "${STATE_DIR}/current" "${release}"
  if [[ -n "${live}" ]]; then slot_down "${live}"; fi
  ledger_close succeeded
  releases_prune "${KEEP}" "${release}"
  log "${kind} of ${release} done in $((SECONDS - started))s (slot ${target}, previous ${current:-none})"
  emit_result "$(jq -nc --arg c "${kind}" --arg r "${release}" --arg p "${current}" --arg s "${target}" \
    --argjson t "$((SECONDS - started))" '{ok: true, command: $c, release: $r, previous: $p, slot: $s, seconds: $t}')"
}

cmd_deploy() {
  local release="$1"
  valid_release_id "${release}"
  release_exists "${release}"
  release_check "${RELEASES_DIR}/${release}"
  local actor url
  actor="$(release_field "${release}" actor)"
  url="$(release_field "${release}" runUrl)"
  if [[ -n "${actor}" ]]; then need_rule "release.json actor" "${actor}" ACTOR; ACTOR="${actor}"; fi
  if [[ -n "${url}" ]]; then need_rule "release.json runUrl" "${url}" URL; RUN_URL="${url}"; fi
  switch deploy "${release}"
}

cmd_rollback() {
  local to="$1" current
  if [[ "${to}" == "previous" ]]; then
    current="$(current_release)"
    to="$(ledger_previous_release "${current}")" ||
      fail "no earlier successful release is retained on this host; nothing to roll back to. See 'slipway list'."
    log "previous release: ${to}"
  fi
  valid_release_id "${to}"
  release_exists "${to}"
  release_check "${RELEASES_DIR}/${to}"
  switch rollback "${to}"
}
