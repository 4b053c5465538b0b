#!/usr/bin/env bash
# Read-only views: list (ledger + retained releases), status (slots, lock) and unlock-info.
# They take no lock, so they answer while a deploy runs. Sourced by bin/slipway.

releases_json() {
  local current="$1" id
  for id in $(releases_newest_first); do
    jq -c --arg id "${id}" --arg cur "${current}" --slurpfile i "${RELEASES_DIR}/${id}/images.json" \
      '{id: $id, live: ($id == $cur), images: $i[0], gitSha: (.gitSha // ""), actor: (.actor // ""),
        created: (.created // "")}' "${RELEASES_DIR}/${id}/release.json" 2>/dev/null ||
      jq -nc --arg id "${id}" --arg cur "${current}" '{id: $id, live: ($id == $cur)}'
  done | jq -sc .
}

cmd_list() {
  local current ledger releases
  current="$(current_release)"
  ledger="$(ledger_entries)"
  releases="$(releases_json "${current}")"
  if ((JSON)); then
    jq -nc --arg c "${current}" --argjson l "${ledger}" --argjson r "${releases}" \
      '{current: $c, releases: $r, ledger: $l}'
    return 0
  fi
  echo "Live release: ${current:-none}"
  echo
  echo "Retained releases (newest first; any can be chosen with: slipway rollback --to ID):"
  jq -r '.[] | [(if .live then "*" else " " end), .id, (.gitSha // "")[0:12], .created // ""] | @tsv' \
    <<<"${releases}" | column -t -s $'\t'
  echo
  echo "Ledger (oldest first):"
  jq -r '(["STARTED", "KIND", "RELEASE", "RESULT", "PREVIOUS", "ACTOR", "FINISHED"] | @tsv),
    (.[] | [.startedAt, .kind, .release, .result, (.previous // "" | if . == "" then "-" else . end),
      .actor, (.finishedAt // "-")] | @tsv)' <<<"${ledger}" | column -t -s $'\t'
}

slot_json() {
  local slot="$1" id
  id="$(dk ps -aq --filter "label=com.docker.compose.project=slipway-${slot}" \
    --filter "label=com.docker.compose.service=api" | head -n1)"
  if [[ -z "${id}" ]]; then
    jq -nc --arg s "${slot}" --arg r "$(rotation_get "${slot}")" '{slot: $s, state: "empty", rotation: $r}'
    return 0
  fi
  dk inspect "${id}" | jq -c --arg s "${slot}" --arg r "$(rotation_get "${slot}")" '.[0] | {slot: $s,
    state: .State.Status, health: (.State.Health.Status // "none"), rotation: $r,
    release: (.Config.Labels["org.slipway.release"] // ""), image: .Config.Image, startedAt: .State.StartedAt}'
}

lock_json() {
  if lock_is_held; then
    jq -c '{held: true, holder: .}' <<<"$(lock_holder)"
  else
    jq -nc '{held: false}'
  fi
}

cmd_status() {
  local current status
  current="$(current_release)"
  status="$(jq -nc --arg c "${current}" --arg l "$(live_slot "${current}")" \
    --argjson b "$(slot_json blue)" --argjson g "$(slot_json green)" --argjson k "$(lock_json)" \
    --argjson live "$(live_report "${current}")" --argjson w "$(supervise_watching)" \
    --arg sb "$(standby "$(live_slot "${current}")")" \
    '{current: $c, liveSlot: $l, health: $live.health, containers: $live.containers, slots: [$b, $g], lock: $k,
      standby: ($sb | if . == "" then null else split(" ") | {slot: .[0], release: .[1]} end),
      supervisor: (if $w.unhealthySince then {unhealthySince: ($w.unhealthySince | todate), problems: $w.problems}
        else {} end)}')"
  if ((JSON)); then
    printf '%s\n' "${status}"
    return 0
  fi
  jq -r '"Live release: \(if .current == "" then "none" else .current end) (slot \(if .liveSlot == "" then "none" else .liveSlot end))",
    "Health: \(.health.status)", (.health.problems[] | "  \(.)"),
    (.supervisor | select(.unhealthySince) | "Supervisor: unhealthy since \(.unhealthySince); it acts after its grace period"),
    (.containers[] | "  \(.service) \(.name): \(.state) \(.health) restarts=\(.restarts)"),
    (.slots[] | "slot \(.slot): \(.state) \(.health // "") \(.release // "") (rotation \(.rotation))"),
    (.standby | select(.) | "Standby (warm, out of rotation; a rollback to it is a switch): \(.release) in slot \(.slot)"),
    "lock: \(if .lock.held then "held by \(.lock.holder | tojson)" else "free" end)"' <<<"${status}"
}

cmd_unlock_info() {
  if lock_is_held; then
    echo "The deploy lock is held by: $(lock_holder)"
    echo "It is released by the kernel when that process exits. If it is stuck, stop it:"
    echo "  kill $(jq -r '.pid // "<pid>"' <<<"$(lock_holder)")    (on host $(jq -r '.host // "?"' <<<"$(lock_holder)"))"
    echo "The next deploy or rollback recovers whatever it left half done."
  else
    echo "The deploy lock is free."
    [[ -s "${STATE_DIR}/lock.holder" ]] && echo "Last holder (did not exit cleanly): $(lock_holder)"
  fi
  return 0
}
