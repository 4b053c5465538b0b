#!/usr/bin/env bash
# Logging, the machine-readable result line, and validation of every value that reaches a shell or a path.
# The patterns come from lib/rules.generated.sh, generated from Slipway's one definition of its domain rules
# (actions/toolkit/src/rules.ts). Sourced by bin/slipway.
# shellcheck disable=SC2034 # globals shared with the other engine files

# shellcheck source=SCRIPTDIR/rules.generated.sh
source "$(dirname "${BASH_SOURCE[0]}")/rules.generated.sh"

# A deploy or rollback refuses to start with less free space than this where the app dir lives.
MIN_FREE_MB="${SLIPWAY_MIN_FREE_MB:-32}"
# Values echoed in messages are cut to this many characters.
readonly SHOWN_MAX=80

log() { printf '%s slipway: %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
now() { date -u +%Y-%m-%dT%H:%M:%SZ; }

# The last line of every run: the actions parse it, operators can ignore it.
emit_result() {
  RESULT_EMITTED=1
  printf 'SLIPWAY_RESULT %s\n' "$1"
}

# clip VALUE: the value as an error message shows it: control characters replaced, cut to a readable length.
clip() {
  local value="${1//[[:cntrl:]]/?}"
  if ((${#value} > SHOWN_MAX)); then
    printf '%s...(%d characters)' "${value:0:SHOWN_MAX}" "${#value}"
  else
    printf '%s' "${value}"
  fi
}

# fail MESSAGE [DETAIL]: reports the error (closing an open ledger entry as failed) and exits 1.
fail() {
  local message="$1" detail="${2:-}"
  printf 'slipway: error: %s\n' "${message}" >&2
  [[ -n "${detail}" ]] && printf '%s\n' "${detail}" >&2
  if [[ -z "${FAILING:-}" && -n "${OP_ID:-}" ]]; then
    FAILING=1
    ledger_close failed "${message}" || log "the failure could not be recorded in the ledger"
  fi
  emit_result "$(jq -nc --arg c "${COMMAND:-}" --arg m "${message}" --arg d "${detail}" \
    --arg r "${OP_RELEASE:-}" --arg p "${OP_PREVIOUS:-}" \
    '{ok: false, command: $c, release: $r, previous: $p, error: $m, detail: $d}')"
  exit 1
}

# need_value FLAG ARGS-LEFT VALUE: a flag that takes a value must be followed by one.
need_value() {
  local flag="$1" left="$2" value="${3:-}"
  if ((left < 2)) || [[ "${value}" == --* ]]; then fail "${flag} needs a value. Run slipway --help."; fi
}

# need_rule NAME VALUE RULE: VALUE must follow RULE (<RULE>_RE and <RULE>_MAX of rules.generated.sh).
need_rule() {
  local name="$1" value="$2" re="$3_RE" max="$3_MAX"
  if ((${#value} > ${!max})) || [[ ! "${value}" =~ ${!re} ]]; then
    fail "${name}: '$(clip "${value}")' is not allowed (expected ${!re}, at most ${!max} characters). Refusing it."
  fi
}

# need_int NAME VALUE MIN MAX VAR: sets VAR to VALUE read as a decimal integer (08 is 8, not bad octal).
need_int() {
  local name="$1" value="$2" min="$3" max="$4"
  if [[ ! "${value}" =~ ^[0-9]{1,5}$ ]] || ((10#${value} < min || 10#${value} > max)); then
    fail "${name}: expected an integer from ${min} to ${max}, got '$(clip "${value}")'."
  fi
  printf -v "$5" '%d' "$((10#${value}))"
}

valid_release_id() {
  if ((${#1} > RELEASE_ID_MAX)) || [[ ! "$1" =~ ${RELEASE_ID_RE} ]]; then
    fail "release id '$(clip "$1")' is invalid: use 1-64 letters, digits, . _ - starting with a letter or digit."
  fi
}

check_app_dir() {
  local dir="$1"
  [[ ${#dir} -le ${APP_DIR_MAX} && "${dir}" =~ ${APP_DIR_RE} && "/${dir}/" != *"/../"* ]] ||
    fail "app dir '$(clip "${dir}")' is invalid: an absolute path of letters, digits, . _ / - without '..'."
  [[ -d "${dir}" && -w "${dir}" ]] || fail "app dir '${dir}' does not exist or is not writable by $(id -un)."
  APP_DIR="${dir}"
  STATE_DIR="${dir}/state"
  RELEASES_DIR="${dir}/releases"
  SHARED_DIR="${dir}/shared"
  INFRA_DIR="${dir}/infra"
  LEDGER="${dir}/ledger.jsonl"
  local err
  err="$(mkdir -p "${STATE_DIR}" "${RELEASES_DIR}" "${SHARED_DIR}" 2>&1)" ||
    fail "creating the folders of ${dir} failed: $(write_problem "${err}")"
}

# Free KiB on the file system holding DIR (empty when df cannot tell).
free_kib() { df -Pk -- "$1" 2>/dev/null | awk 'NR == 2 { print $4 }'; }

# write_problem STDERR: why a write under the app dir failed, with the free space next to it.
write_problem() {
  local why="${1##*$'\n'}" free
  why="${why##*: }"
  free="$(free_kib "${APP_DIR}")"
  printf '%s (%s KiB free on the file system holding %s). Free disk space (old images: docker image prune; logs) and retry.' \
    "${why:-unknown error}" "${free:-?}" "${APP_DIR}"
}

# A deploy or rollback needs room for its state, ledger and containers; refusing before anything starts
# leaves nothing half-applied.
need_free_space() {
  local free
  free="$(free_kib "${APP_DIR}")"
  if [[ "${free}" =~ ^[0-9]+$ ]] && ((free < MIN_FREE_MB * 1024)); then
    fail "the file system holding ${APP_DIR} has ${free} KiB free, less than the ${MIN_FREE_MB} MiB a ${COMMAND} needs. Free disk space (old images: docker image prune; logs) and retry; nothing was changed."
  fi
}

# write_atomic FILE [CONTENT]: writes CONTENT and a newline (without CONTENT: stdin, byte for byte) through a
# temporary file and rename(2), so readers see the old or the new content; a write that fails (a full disk)
# fails the run saying so.
write_atomic() {
  local file="$1" tmp err
  if ! err="$({ tmp="$(mktemp "${file}.XXXXXX")" &&
    if (($# > 1)); then printf '%s\n' "$2" >"${tmp}"; else cat >"${tmp}"; fi && chmod 0644 "${tmp}" &&
    mv -f "${tmp}" "${file}"; } 2>&1)"; then
    rm -f "${file}".??????
    fail "writing ${file} failed: $(write_problem "${err}")"
  fi
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

# Every run that fails ends with a result line, even when it failed where no message was foreseen.
on_exit() {
  local status=$?
  # Whatever ended a deploy or rollback (success, failure, a signal), the metrics follow the ledger.
  if [[ -n "${LEDGER:-}" && ("${COMMAND:-}" == deploy || "${COMMAND:-}" == rollback) ]]; then
    deploy_metrics_write
  fi
  if ((status != 0)) && [[ -z "${RESULT_EMITTED:-}" ]]; then
    emit_result "$(jq -nc --arg c "${COMMAND:-}" --arg m "the engine stopped unexpectedly (exit ${status}); see its log above." \
      '{ok: false, command: $c, release: "", previous: "", error: $m}')"
  fi
  lock_release
  if [[ -n "${WATCHDOG_PID:-}" ]]; then kill "${WATCHDOG_PID}" 2>/dev/null || true; fi
}

# Sleeps without holding the lock descriptor (fd 9) in a child process.
pause() { sleep "$1" 9>&-; }
