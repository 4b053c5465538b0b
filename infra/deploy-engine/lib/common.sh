#!/usr/bin/env bash
# Logging, the machine-readable result line, and validation of every value that reaches a shell or a path.
# Sourced by bin/slipway.

# shellcheck disable=SC2034 # patterns are used by the files that source this one
readonly RELEASE_ID_RE='^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$'
readonly SERVICE_RE='^[a-z][a-z0-9-]{0,31}$'
readonly IMAGE_RE='^[a-z0-9][a-z0-9._/:-]{0,254}@sha256:[0-9a-f]{64}$'
readonly ACTOR_RE='^[A-Za-z0-9][][A-Za-z0-9._@ -]{0,63}$'
readonly URL_RE='^https?://[A-Za-z0-9._~:/?#=&%+-]{1,400}$'
readonly SHA_RE='^([0-9a-f]{7,64}|unknown)$'
readonly APP_DIR_RE='^/[A-Za-z0-9._/-]*$'

log() { printf '%s slipway: %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
now() { date -u +%Y-%m-%dT%H:%M:%SZ; }

# The last line of every run: the actions parse it, operators can ignore it.
emit_result() { printf 'SLIPWAY_RESULT %s\n' "$1"; }

# fail MESSAGE [DETAIL]: reports the error (closing an open ledger entry as failed) and exits 1.
fail() {
  local message="$1" detail="${2:-}"
  printf 'slipway: error: %s\n' "${message}" >&2
  [[ -n "${detail}" ]] && printf '%s\n' "${detail}" >&2
  if [[ -n "${OP_ID:-}" ]]; then ledger_close failed "${message}"; fi
  emit_result "$(jq -nc --arg c "${COMMAND:-}" --arg m "${message}" --arg d "${detail}" \
    --arg r "${OP_RELEASE:-}" --arg p "${OP_PREVIOUS:-}" \
    '{ok: false, command: $c, release: $r, previous: $p, error: $m, detail: $d}')"
  exit 1
}

need_match() {
  local name="$1" value="$2" pattern="$3"
  [[ "${value}" =~ ${pattern} ]] || fail "${name}: '${value}' is not allowed (expected ${pattern}). Refusing it."
}

need_int() {
  local name="$1" value="$2" min="$3" max="$4"
  if [[ ! "${value}" =~ ^[0-9]{1,5}$ ]] || ((value < min || value > max)); then
    fail "${name}: expected an integer from ${min} to ${max}, got '${value}'."
  fi
}

valid_release_id() {
  [[ "$1" =~ ${RELEASE_ID_RE} ]] ||
    fail "release id '$1' is invalid: use 1-64 letters, digits, . _ - starting with a letter or digit."
}

check_app_dir() {
  local dir="$1"
  [[ "${dir}" =~ ${APP_DIR_RE} && "/${dir}/" != *"/../"* ]] ||
    fail "app dir '${dir}' is invalid: an absolute path of letters, digits, . _ / - without '..'."
  [[ -d "${dir}" && -w "${dir}" ]] || fail "app dir '${dir}' does not exist or is not writable by $(id -un)."
  STATE_DIR="${dir}/state"
  RELEASES_DIR="${dir}/releases"
  SHARED_DIR="${dir}/shared"
  INFRA_DIR="${dir}/infra"
  LEDGER="${dir}/ledger.jsonl"
  mkdir -p "${STATE_DIR}" "${RELEASES_DIR}" "${SHARED_DIR}"
}

# Writes stdin to FILE through a temporary file and rename(2), so readers see the old or the new content.
write_atomic() {
  local file="$1" tmp
  tmp="$(mktemp "${file}.XXXXXX")"
  cat >"${tmp}"
  chmod 0644 "${tmp}"
  mv -f "${tmp}" "${file}"
}

# With --stop-on-disconnect: when the SSH session that started the engine ends (the client was killed, the
# runner cancelled, the network lost), sshd goes away and the engine is re-parented; then stop this engine and
# its children so the kernel releases the lock. Recovery at the next deploy cleans up what was half done.
watch_disconnect() {
  local engine="$$" parent="${PPID}"
  (
    while [[ "$(ps -o ppid= -p "${engine}" | tr -d ' ')" == "${parent}" ]]; do sleep 1; done
    if [[ "$(ps -o pgid= -p "${engine}" | tr -d ' ')" == "${engine}" ]]; then
      kill -TERM -- "-${engine}" 2>/dev/null || true
    else
      kill -TERM "${engine}" 2>/dev/null || true
    fi
  ) </dev/null >/dev/null 2>&1 &
  WATCHDOG_PID="$!"
}

on_exit() {
  lock_release
  if [[ -n "${WATCHDOG_PID:-}" ]]; then kill "${WATCHDOG_PID}" 2>/dev/null || true; fi
}

# Sleeps without holding the lock descriptor (fd 9) in a child process.
pause() { sleep "$1" 9>&-; }
