#!/usr/bin/env bash
# supervise: what a systemd timer runs every 15 seconds on the host (slipway-supervise.timer, installed by role app
# and setup-vps.sh from infra/ansible/roles/app/templates). When the live release
# stays unhealthy longer than --grace (Docker's restart policy had its chance), it records the incident in the
# ledger and restores service: it (re)starts what is down or unhealthy; when that is not enough, or the same
# release already needed a restart within SUPERVISE_FLAP_SECONDS, and its infra is healthy, it rolls back to the
# previous release (a normal rollback, recorded as one, with the supervisor as actor). It never acts while a
# deploy or rollback holds the lock, and never rolls back from a release it rolled back to.
# Sourced by bin/slipway.
# shellcheck disable=SC2034 # globals shared with the other engine files

SUPERVISOR_ACTOR="slipway-supervise@$(hostname -s)"
# A release that needs a second restart this soon after the first is rolled back instead.
SUPERVISE_FLAP_SECONDS=600

supervise_state() { printf '%s' "${STATE_DIR}/supervise.json"; }

# The supervisor's memory between runs, for the current release only:
# {"release", "unhealthySince": epoch|null, "problems": [...], "restartedAt": epoch|null}; {} when none.
supervise_watching() {
  if [[ -s "$(supervise_state)" ]]; then cat "$(supervise_state)"; else printf '{}'; fi
}

supervise_remember() { write_atomic "$(supervise_state)"; }

supervise_result() {
  local action="$1" current="$2" health="$3" extra="${4:-{\}}"
  emit_result "$(jq -nc --arg a "${action}" --arg r "${current}" --argjson h "${health}" --argjson x "${extra}" \
    '{ok: true, command: "supervise", release: $r, action: $a, health: $h.status, problems: $h.problems} + $x')"
}

# Starts what is missing or stopped and restarts what runs unhealthy, in the infra project and the live slot.
supervise_restart() {
  local current="$1" report="$2" slot name
  slot="$(jq -r '.slot' <<<"${report}")"
  [[ -n "${slot}" ]] || slot="$(other_slot green)"
  if [[ -f "${INFRA_DIR}/compose.yaml" ]]; then
    infra_ensure || log "starting the infra project failed"
  fi
  if ! jq -e --arg p "slipway-${slot}" '.containers[] | select(.project == $p and .service == "api"
      and .state == "running")' <<<"${report}" >/dev/null; then
    if slot_up "${slot}" "${current}"; then rotation_set "${slot}" in; else log "starting ${current} in slot ${slot} failed"; fi
  fi
  while IFS= read -r name; do
    log "restarting ${name} (unhealthy)"
    dk restart -t 10 "${name}" >/dev/null || log "restarting ${name} failed"
  done < <(jq -r '.containers[] | select(.state == "running" and .health == "unhealthy") | .name' <<<"${report}")
}

# Polls the live release until it is healthy (0) or TIMEOUT seconds pass (1); prints the last report.
supervise_wait() {
  local current="$1" timeout="$2" deadline report
  deadline=$((SECONDS + timeout))
  while :; do
    report="$(live_report "${current}")"
    if [[ "$(jq -r '.health.status' <<<"${report}")" == "ok" ]] || ((SECONDS >= deadline)); then break; fi
    pause 1
  done
  printf '%s\n' "${report}"
  [[ "$(jq -r '.health.status' <<<"${report}")" == "ok" ]]
}

# True when the live release got there through a rollback the supervisor made: it does not roll back again.
installed_by_supervisor() {
  ledger_entries | jq -e --arg r "$1" --arg a "${SUPERVISOR_ACTOR%@*}" '[.[] | select(.release == $r and
    (.kind == "deploy" or .kind == "rollback") and .result == "succeeded")] | last
    | .kind == "rollback" and (.actor | startswith($a))' >/dev/null
}

# Rolls back from CURRENT (its api unhealthy, its infra healthy) to the previous release, or fails saying why not.
supervise_rollback() {
  local current="$1" report="$2" why="$3" previous
  if jq -e --arg infra "${INFRA_PROJECT}" "${JQ_UP}"'.containers | any(.project == $infra and
    ((up | not) or .health == "unhealthy"))' <<<"${report}" >/dev/null; then
    fail "the infra services are not healthy: $(jq -r '.health.problems | join("; ")' <<<"${report}"). A rollback would not help; an operator is needed (docs/RUNBOOK.md, \"The supervisor\")."
  fi
  if installed_by_supervisor "${current}"; then
    fail "${current} ${why}, and it is the release the supervisor already rolled back to. An operator is needed (docs/RUNBOOK.md, \"The supervisor\")."
  fi
  previous="$(ledger_previous_release "${current}")" ||
    fail "${current} ${why}, and no earlier release is retained to roll back to."
  log "${current} ${why}; rolling back to ${previous}"
  ledger_close rolling-back "" "$(jq -nc --arg p "${previous}" --arg w "${why}" '{action: "rollback", to: $p, reason: $w}')"
  rm -f "$(supervise_state)"
  switch rollback "${previous}"
  supervise_result rolled-back "${previous}" "$(jq -c '.health' <<<"$(live_report "${previous}")")" \
    "$(jq -nc --arg f "${current}" --arg w "${why}" '{previous: $f, reason: $w}')"
}

cmd_supervise() {
  local current report health status now watching since restarted
  ACTOR="${SUPERVISOR_ACTOR}"
  exec 9>>"${STATE_DIR}/lock"
  current="$(current_release)"
  report="$(live_report "${current}")"
  health="$(jq -c '.health' <<<"${report}")"
  status="$(jq -r '.status' <<<"${health}")"
  if ! flock -n 9; then
    supervise_result skipped "${current}" "${health}" "$(jq -nc --argjson h "$(lock_holder)" '{lock: $h}')"
    return 0
  fi
  LOCK_HELD=1
  now="$(date +%s)"
  watching="$(supervise_watching | jq -c --arg r "${current}" 'if .release == $r then . else {release: $r} end')"
  if [[ "${status}" == ok || "${status}" == none || "${status}" == starting ]]; then
    jq -c '. + {unhealthySince: null, problems: []}' <<<"${watching}" | supervise_remember
    supervise_result none "${current}" "${health}"
    return 0
  fi
  since="$(jq -r '.unhealthySince // empty' <<<"${watching}")"
  if [[ -z "${since}" ]]; then
    since="${now}"
    jq -c --argjson s "${now}" --argjson h "${health}" '. + {unhealthySince: $s, problems: $h.problems}' \
      <<<"${watching}" | supervise_remember
  fi
  if ((now - since < GRACE)); then
    log "live release ${current} is ${status} ($(jq -r '.problems | join("; ")' <<<"${health}")); acting after ${GRACE}s"
    supervise_result waiting "${current}" "${health}" "$(jq -nc --argjson s $((now - since)) '{unhealthySeconds: $s}')"
    return 0
  fi
  log "live release ${current} has been ${status} for $((now - since))s: $(jq -r '.problems | join("; ")' <<<"${health}")"
  ledger_open supervise "${current}" "" "$(jq -r '.slot' <<<"${report}")" "$(release_images "${current}")" \
    "$(release_field "${current}" gitSha)" "$(jq -c '{problems}' <<<"${health}")"
  restarted="$(jq -r '.restartedAt // 0' <<<"${watching}")"
  if ((now - restarted < SUPERVISE_FLAP_SECONDS)); then
    supervise_rollback "${current}" "${report}" "needed a restart $((now - restarted))s ago and is ${status} again"
    return 0
  fi
  supervise_restart "${current}" "${report}"
  if report="$(supervise_wait "${current}" "${HEALTH_TIMEOUT}")"; then
    jq -c --argjson t "$(date +%s)" '. + {unhealthySince: null, problems: [], restartedAt: $t}' <<<"${watching}" |
      supervise_remember
    ledger_close restored "" '{"action": "restart"}'
    supervise_result restarted "${current}" "$(jq -c '.health' <<<"${report}")"
    return 0
  fi
  supervise_rollback "${current}" "${report}" "is still $(jq -r '.health.status' <<<"${report}") after a restart"
}
