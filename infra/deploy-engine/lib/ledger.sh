#!/usr/bin/env bash
# ledger.jsonl: append-only JSON lines. Each deploy or rollback appends a `started` line and a final line
# (succeeded | failed | interrupted) with the same `op`; readers keep the last line of each op.
# Sourced by bin/slipway.
# shellcheck disable=SC2034 # globals shared with the other engine files

# ledger_open KIND RELEASE PREVIOUS SLOT IMAGES-JSON GIT-SHA [EXTRA-JSON]: EXTRA's fields go on both lines.
ledger_open() {
  OP_ID="$(date -u +%Y%m%dT%H%M%SZ)-$$"
  OP_RELEASE="$2"
  OP_PREVIOUS="$3"
  OP_ENTRY="$(jq -nc --arg op "${OP_ID}" --arg k "$1" --arg r "$2" --arg p "$3" --arg s "$4" \
    --argjson i "$5" --arg g "$6" --arg a "${ACTOR}" --arg u "${RUN_URL}" --arg t "$(now)" \
    --argjson x "${7:-{\}}" '{op: $op, kind: $k, release: $r, previous: $p, slot: $s, images: $i, gitSha: $g,
      actor: $a, runUrl: $u, startedAt: $t} + $x')"
  ledger_append "$(jq -c '. + {result: "started"}' <<<"${OP_ENTRY}")"
}

# ledger_close RESULT [ERROR] [EXTRA-JSON]
ledger_close() {
  local result="$1" error="${2:-}" extra="${3:-{\}}"
  [[ -n "${OP_ID:-}" ]] || return 0
  ledger_append "$(jq -c --arg r "${result}" --arg e "${error}" --arg t "$(now)" --argjson x "${extra}" \
    '. + {result: $r, finishedAt: $t} + (if $e == "" then {} else {error: $e} end) + $x' <<<"${OP_ENTRY}")"
  OP_ID=""
}

ledger_append() { printf '%s\n' "$1" >>"${LEDGER}"; }

# The last line of every op, in the order the ops started.
ledger_entries() {
  [[ -s "${LEDGER}" ]] || { printf '[]'; return 0; }
  jq -sc 'reduce .[] as $e ({order: [], last: {}};
      (if .last[$e.op] then . else .order += [$e.op] end) | .last[$e.op] = $e)
    | [.order[] as $o | .last[$o]]' "${LEDGER}"
}

# Ops that started but never finished (the engine was killed): recorded as interrupted. Runs under the lock,
# so no other engine is still working on them.
ledger_mark_interrupted() {
  local entry
  while IFS= read -r entry; do
    [[ -n "${entry}" ]] || continue
    log "recovery: $(jq -r '"\(.kind) of \(.release) started \(.startedAt)"' <<<"${entry}") never finished; marking it interrupted"
    ledger_append "$(jq -c --arg t "$(now)" '. + {result: "interrupted", finishedAt: $t}' <<<"${entry}")"
  done < <(ledger_entries | jq -c '.[] | select(.result == "started")')
}

# The release a `rollback --to previous` returns to: the newest succeeded release, other than the live one,
# that is still retained on this host.
ledger_previous_release() {
  local current="$1" id
  while IFS= read -r id; do
    if [[ "${id}" != "${current}" && -d "${RELEASES_DIR}/${id}" ]]; then
      printf '%s' "${id}"
      return 0
    fi
  done < <(ledger_entries | jq -r '[.[] | select(.result == "succeeded") | .release] | reverse | .[]')
  return 1
}
