#!/usr/bin/env bash
# The deploy lock: flock(2) on fd 9 of the engine process. The kernel releases it when the process dies, so
# it cannot go stale; state/lock.holder only says who holds (or last held) it. Sourced by bin/slipway.

lock_holder() {
  if [[ -s "${STATE_DIR}/lock.holder" ]]; then cat "${STATE_DIR}/lock.holder"; else printf '{}'; fi
}

# lock_take RELEASE: waits up to LOCK_WAIT seconds, then fails naming the holder.
lock_take() {
  local release="$1"
  # Already held by this engine (supervise rolling back): re-opening fd 9 would let go of it for a moment.
  [[ -z "${LOCK_HELD:-}" ]] || return 0
  exec 9>>"${STATE_DIR}/lock"
  if ! flock -n 9; then
    log "another deploy holds the lock: $(lock_holder); waiting up to ${LOCK_WAIT}s"
    flock -w "${LOCK_WAIT}" 9 ||
      fail "deploy lock held by $(lock_holder). Wait for it to finish, or see 'slipway unlock-info'."
  fi
  LOCK_HELD=1
  write_atomic "${STATE_DIR}/lock.holder" "$(jq -nc --arg r "${release}" --arg a "${ACTOR}" --arg c "${COMMAND}" \
    --argjson p "$$" --arg h "$(hostname)" --arg s "$(now)" \
    '{command: $c, release: $r, actor: $a, pid: $p, host: $h, since: $s}')"
}

lock_release() {
  if [[ -n "${LOCK_HELD:-}" ]]; then
    rm -f "${STATE_DIR}/lock.holder"
    flock -u 9 || true
  fi
}

# True when some process holds the lock right now (probed on a separate descriptor, released at once).
lock_is_held() {
  local probe
  exec {probe}>>"${STATE_DIR}/lock"
  if flock -n "${probe}"; then
    exec {probe}>&-
    return 1
  fi
  exec {probe}>&-
  return 0
}
