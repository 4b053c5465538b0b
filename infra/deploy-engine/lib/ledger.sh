#!/usr/bin/env bash
# ledger.jsonl: append-only JSON lines. Each deploy or rollback appends a `started` line and a final line
# (succeeded | failed | interrupted) with the same `op`; readers keep the last line of each op.
# Sourced by bin/slipway.
# shellcheck disable=SC2034 # globals shared with the other engine files

# ledger_open KIND RELEASE PREVIOUS SLOT IMAGES-JSON GIT-SHA [EXTRA-JSON]: EXTRA's fields go on both lines.
# An op's id: its start time, the engine's PID and a count of the ops this engine opened, since one engine may
# open several within a second (a supervise incident and its rollback, a deploy and its infra upgrade), and
# readers join lines by op.
ledger_open() {
  OP_SEQ=$((${OP_SEQ:-0} + 1))
  OP_ID="$(date -u +%Y%m%dT%H%M%SZ)-$$-${OP_SEQ}"
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
  local result="$1" error="${2:-}" extra="${3:-{\}}" entry
  [[ -n "${OP_ID:-}" ]] || return 0
  entry="$(jq -c --arg r "${result}" --arg e "${error}" --arg t "$(now)" --argjson x "${extra}" \
    '. + {result: $r, finishedAt: $t} + (if $e == "" then {} else {error: $e} end) + $x' <<<"${OP_ENTRY}")"
  OP_ID=""
  ledger_append "${entry}"
}

# ledger_append LINE: always on a line of its own, even after a line that an earlier write cut short. A write
# that fails (a full disk) fails the run saying so; while already failing it only returns 1.
ledger_append() {
  local sep="" err
  if [[ -s "${LEDGER}" && -n "$(tail -c 1 "${LEDGER}")" ]]; then sep=$'\n'; fi
  if ! err="$({ printf '%s%s\n' "${sep}" "$1" >>"${LEDGER}"; } 2>&1)"; then
    if [[ -n "${FAILING:-}" ]]; then return 1; fi
    fail "recording in ${LEDGER} failed: $(write_problem "${err}")"
  fi
}

# The last line of every op, in the order the ops started. A line that is not a ledger entry (a write cut
# short by a full disk or a crash, a hand edit) is skipped with a warning: one bad line never hides the rest.
ledger_entries() {
  [[ -s "${LEDGER}" ]] || { printf '[]'; return 0; }
  local parsed skipped
  parsed="$(jq -nRc '[inputs] | to_entries
    | map(select(.value | test("\\S")) | .key as $n | (.value | try fromjson catch null) as $e
      | if ($e | type) == "object" and ($e.op | type) == "string" then {entry: $e} else {bad: ($n + 1)} end)
    | {entries: [.[].entry // empty], skipped: [.[].bad // empty]}' "${LEDGER}")"
  skipped="$(jq -r '.skipped | map(tostring) | join(", ")' <<<"${parsed}")"
  if [[ -n "${skipped}" ]]; then
    log "warning: ${LEDGER}: skipped line(s) ${skipped}: not a ledger entry (a write cut short?)"
  fi
  jq -c '.entries | reduce .[] as $e ({order: [], last: {}};
      (if .last[$e.op] then . else .order += [$e.op] end) | .last[$e.op] = $e)
    | [.order[] as $o | .last[$o]]' <<<"${parsed}"
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
