#!/usr/bin/env bash
# deploy and rollback: one blue/green switch under the lock. The old slot serves until the new one is
# healthy and the proxy has admitted it; only then is state/current rewritten and the old slot taken out of
# rotation. The old slot then stays up, parked out of rotation (the standby), so that rolling back to it is a
# rotation switch rather than a container start; the next deploy replaces it. Sourced by bin/slipway.
# shellcheck disable=SC2034 # globals shared with the other engine files

current_release() { if [[ -s "${STATE_DIR}/current" ]]; then cat "${STATE_DIR}/current"; fi; }

# Makes the host consistent after an engine that was killed: the live slot is in rotation; in the other slot,
# the standby (the previous release, parked warm) is kept out of rotation, and anything else is a leftover
# (taken out of rotation and stopped gracefully, so it drains if Caddy had started using it); unfinished ledger
# entries are marked interrupted.
recover() {
  local current="$1" live slot parked
  live="$(live_slot "${current}")"
  parked="$(standby "${live}")"
  for slot in blue green; do
    if [[ "${slot}" == "${live}" ]]; then
      if [[ "$(rotation_get "${slot}")" != in ]]; then
        log "recovery: the live slot ${slot} was out of rotation; putting it back"
        rotation_set "${slot}" in
      fi
    elif [[ -n "${parked}" && "${parked%% *}" == "${slot}" ]]; then
      if [[ "$(rotation_get "${slot}")" != out ]]; then
        log "recovery: the standby in slot ${slot} was in rotation; parking it again"
        rotation_set "${slot}" out
        pause "${PROXY_SETTLE}"
      fi
    elif [[ -n "$(slot_containers "${slot}")" ]]; then
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
  if [[ "${kind}" == rollback ]] && warm_switch "${current}" "${release}" "${started}"; then return 0; fi
  recover "${current}"
  live="$(live_slot "${current}")"
  target="$(other_slot "${live:-green}")"
  ledger_open "${kind}" "${release}" "${current}" "${target}" "$(release_images "${release}")" \
    "$(release_field "${release}" gitSha)"
  if [[ "${kind}" == "deploy" ]]; then images_pull "${release}"; else images_present "${release}"; fi
  infra_sync "${release}"
  if [[ "${kind}" == "deploy" ]] && ! detail="$(slot_migrate "${target}" "${release}")"; then
    fail "the migrate service of ${release} failed; ${current:-nothing} keeps serving." "$(tail -n 20 <<<"${detail}")"
  fi
  if [[ -n "${detail:-}" ]]; then printf '%s\n' "${detail}" >&2; fi
  # The slot may hold the standby (the release before the live one): it makes room for the new release.
  slot_down "${target}"
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
  log "${release} is healthy in slot ${target}; in rotation, giving the proxy ${PROXY_SETTLE}s to see it"
  rotation_set "${target}" in
  pause "${PROXY_SETTLE}"
  write_atomic "${STATE_DIR}/current" "${release}"
  rm -f "${STATE_DIR}/standby"
  if [[ -n "${live}" ]] && standby_healthy "${live}"; then
    # Not stopped, so nothing in flight is cut. The proxy stops choosing it within one health interval; the
    # settle makes "deploy done" mean the new release answers every request (with `lb_policy first` the old
    # slot, if it is listed first, would otherwise keep answering for up to one interval after the command).
    write_atomic "${STATE_DIR}/standby" "${current}"
    log "taking ${current} (slot ${live}) out of rotation; it stays up as the standby for a fast rollback"
    rotation_set "${live}" out
    pause "${PROXY_SETTLE}"
  elif [[ -n "${live}" ]]; then
    log "${current} (slot ${live}) is not healthy: stopping it rather than keeping it as the standby"
    slot_down "${live}"
  fi
  ledger_close succeeded "" '{"warm": false}'
  releases_prune "${KEEP}" "${release}" "${current}"
  log "${kind} of ${release} done in $((SECONDS - started))s (slot ${target}, previous ${current:-none})"
  emit_result "$(jq -nc --arg c "${kind}" --arg r "${release}" --arg p "${current}" --arg s "${target}" \
    --argjson t "$((SECONDS - started))" \
    '{ok: true, command: $c, release: $r, previous: $p, slot: $s, seconds: $t, warm: false}')"
}

# A rollback to the standby, as a rotation switch: the standby is the requested release, runs healthy, and
# the infra definition it needs is the installed one (same compose file, same Caddyfile, no infra image of its
# own). Both rotation files change at once: within one health interval the proxy admits the standby and drops
# the live slot, and a request that arrives in between waits in the proxy (lb_try_duration) instead of failing.
# The old release becomes the standby if it is healthy (else it is stopped). Housekeeping (recovery,
# retention) runs after the switch. Returns 1, changing nothing, when the rollback needs the full path.
# warm_switch CURRENT RELEASE STARTED-SECONDS
warm_switch() {
  local current="$1" release="$2" started="$3" src="${RELEASES_DIR}/$2" live="" target="" live_healthy=0
  local project service label status
  [[ -s "${STATE_DIR}/standby" && "$(<"${STATE_DIR}/standby")" == "${release}" ]] || return 1
  cmp -s "${src}/compose.yaml" "${INFRA_DIR}/compose.yaml" && cmp -s "${src}/Caddyfile" "${INFRA_DIR}/caddy/Caddyfile" &&
    jq -e 'del(.api) | length == 0' "${src}/images.json" >/dev/null || return 1
  while IFS=$'\t' read -r project service label status; do
    [[ "${service}" == api && "${status}" == Up* ]] || continue
    if [[ "${label}" == "${current}" ]]; then
      live="${project#slipway-}"
      [[ "${status}" == *"(healthy)"* ]] && live_healthy=1
    fi
    if [[ "${label}" == "${release}" && "${status}" == *"(healthy)"* ]]; then target="${project#slipway-}"; fi
  done < <(dk ps --filter label=org.slipway.slot --format \
    '{{.Label "com.docker.compose.project"}}{{"\t"}}{{.Label "com.docker.compose.service"}}{{"\t"}}{{.Label "org.slipway.release"}}{{"\t"}}{{.Status}}')
  [[ -n "${live}" && -n "${target}" && "${live}" != "${target}" ]] || return 1
  ledger_open rollback "${release}" "${current}" "${target}" "$(release_images "${release}")" \
    "$(release_field "${release}" gitSha)"
  rotation_set "${target}" in
  rotation_set "${live}" out
  # Within one health interval the proxy admits the standby and drops the live slot; the command returns once
  # the release it names is the one answering.
  pause "${PROXY_SETTLE}"
  printf '%s\n' "${release}" >"${STATE_DIR}/.current.$$" && mv -f "${STATE_DIR}/.current.$$" "${STATE_DIR}/current"
  printf '%s\n' "${current}" >"${STATE_DIR}/.standby.$$" && mv -f "${STATE_DIR}/.standby.$$" "${STATE_DIR}/standby"
  log "switched to ${release}, which was parked warm in slot ${target}; ${current} (slot ${live}) is the standby now"
  ledger_close succeeded "" '{"warm": true}'
  if ((!live_healthy)); then
    log "${current} is not healthy: stopping it rather than keeping it as the standby"
    rm -f "${STATE_DIR}/standby"
    slot_down "${live}"
  fi
  recover "${release}"
  releases_prune "${KEEP}" "${release}" "${current}"
  emit_result "$(jq -nc --arg r "${release}" --arg p "${current}" --arg s "${target}" \
    --argjson t "$((SECONDS - started))" \
    '{ok: true, command: "rollback", release: $r, previous: $p, slot: $s, seconds: $t, warm: true}')"
}

# True when the api in SLOT runs and Docker reports it healthy (only such a release is kept, or used, as standby).
standby_healthy() {
  local id
  id="$(dk ps -q --filter "label=com.docker.compose.project=slipway-$1" \
    --filter "label=com.docker.compose.service=api" | head -n1)"
  [[ -n "${id}" && "$(dk inspect -f '{{if .State.Health}}{{.State.Health.Status}}{{end}}' "${id}")" == healthy ]]
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
