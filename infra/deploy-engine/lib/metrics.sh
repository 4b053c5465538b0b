#!/usr/bin/env bash
# Metrics for Prometheus through node exporter's textfile collector (lib/textfile.sh):
#   slipway_deploy.prom            rendered from the ledger (lib/deploy-metrics.jq) after every deploy or
#                                  rollback, whatever its end, and by `slipway metrics`;
#   slipway_backup_<target>.prom   written by `slipway record-backup`, which the backup job calls once per run.
# A metrics file that cannot be written never fails a deploy: the engine warns and goes on.
# Sourced by bin/slipway.

readonly BACKUP_TARGET_RE='^[a-z][a-z0-9_]{0,31}$'
readonly EPOCH_RE='^[0-9]{1,12}$'
readonly BYTES_RE='^[0-9]{1,15}$'

deploy_metrics_render() {
  local current sha=""
  current="$(current_release)"
  if [[ -n "${current}" ]]; then sha="$(release_field "${current}" gitSha)"; fi
  jq -rn --argjson ledger "$(ledger_entries)" --arg current "${current}" --arg sha "${sha}" \
    --argjson now "$(date +%s)" -f "${ENGINE_LIB}/deploy-metrics.jq"
}

# Rewrites slipway_deploy.prom; on any problem, warns and returns 0.
deploy_metrics_write() {
  local why
  if ! why="$(deploy_metrics_write_or_fail 2>&1)"; then
    log "warning: the deploy metrics were not written (${why##*$'\n'}); the deploy itself is unaffected."
  fi
  return 0
}

deploy_metrics_write_or_fail() {
  local dir text
  dir="$(textfile_dir "${APP_DIR}")" || return 1
  text="$(deploy_metrics_render)" || return 1
  textfile_write "${dir}" slipway_deploy <<<"${text}"
}

# `slipway metrics [--print]`: (re)writes slipway_deploy.prom now, or prints what it would write.
cmd_metrics() {
  if ((PRINT)); then
    deploy_metrics_render
    return 0
  fi
  local why dir
  why="$(deploy_metrics_write_or_fail 2>&1)" || fail "metrics: ${why##*$'\n'}"
  dir="$(textfile_dir "${APP_DIR}")"
  emit_result "$(jq -nc --arg f "${dir}/slipway_deploy.prom" '{ok: true, command: "metrics", file: $f}')"
}

# slipway record-backup --target NAME --result succeeded|failed --started EPOCH --finished EPOCH
#                       [--size-bytes N --verified yes|no]   (both required when --result succeeded)
# The contract between the backup job and the monitoring stack (docs/OBSERVABILITY.md). Values of the last
# success (its time, size and verification) carry over a failed run; the run counters carry over every run.
cmd_record_backup() {
  local target="" result="" started="" finished="" size="" verified=""
  while (($#)); do
    case "$1" in
      --target | --result | --started | --finished | --size-bytes | --verified) need_value "$1" "$#" "${2:-}" ;;&
      --target) target="$2"; shift 2 ;;
      --result) result="$2"; shift 2 ;;
      --started) started="$2"; shift 2 ;;
      --finished) finished="$2"; shift 2 ;;
      --size-bytes) size="$2"; shift 2 ;;
      --verified) verified="$2"; shift 2 ;;
      *) fail "record-backup: unknown argument '$(clip "$1")'. Run slipway --help." ;;
    esac
  done
  [[ "${target}" =~ ${BACKUP_TARGET_RE} ]] ||
    fail "record-backup --target: '$(clip "${target}")' is not allowed (${BACKUP_TARGET_RE}), e.g. postgres."
  [[ "${result}" == succeeded || "${result}" == failed ]] ||
    fail "record-backup --result: expected succeeded or failed, got '$(clip "${result}")'."
  if [[ ! "${started}" =~ ${EPOCH_RE} || ! "${finished}" =~ ${EPOCH_RE} ]] || ((finished < started)); then
    fail "record-backup --started/--finished: expected Unix times with finished >= started, got '$(clip "${started}")' and '$(clip "${finished}")'."
  fi
  if [[ "${result}" == succeeded ]]; then
    [[ "${size}" =~ ${BYTES_RE} ]] || fail "record-backup --size-bytes: expected a byte count, got '$(clip "${size}")'."
    [[ "${verified}" == yes || "${verified}" == no ]] ||
      fail "record-backup --verified: expected yes or no (did a restore check pass?), got '$(clip "${verified}")'."
  fi
  local dir file text
  dir="$(textfile_dir "${APP_DIR}" 2>&1)" || fail "record-backup: ${dir}"
  file="${dir}/slipway_backup_${target}.prom"
  text="$(backup_metrics_render "${file}" "${target}" "${result}" "${started}" "${finished}" "${size}" "${verified}")"
  textfile_write "${dir}" "slipway_backup_${target}" <<<"${text}" || fail "record-backup: writing ${file} failed."
  emit_result "$(jq -nc --arg f "${file}" --arg t "${target}" --arg r "${result}" \
    '{ok: true, command: "record-backup", target: $t, result: $r, file: $f}')"
}

# backup_metrics_render PREVIOUS-FILE TARGET RESULT STARTED FINISHED SIZE VERIFIED
backup_metrics_render() {
  local previous="$1" target="$2" result="$3" started="$4" finished="$5" size="$6" verified="$7"
  local l="target=\"${target}\"" ok=0 succeeded failed last_success last_size last_verified
  succeeded="$(textfile_value "${previous}" "slipway_backup_runs_total{${l},result=\"succeeded\"}" 0)"
  failed="$(textfile_value "${previous}" "slipway_backup_runs_total{${l},result=\"failed\"}" 0)"
  last_success="$(textfile_value "${previous}" "slipway_backup_last_success_timestamp_seconds{${l}}" "")"
  last_size="$(textfile_value "${previous}" "slipway_backup_last_size_bytes{${l}}" "")"
  last_verified="$(textfile_value "${previous}" "slipway_backup_last_verified{${l}}" "")"
  if [[ "${result}" == succeeded ]]; then
    ok=1 succeeded=$((succeeded + 1)) last_success="${finished}" last_size="${size}"
    last_verified=$([[ "${verified}" == yes ]] && echo 1 || echo 0)
  else
    failed=$((failed + 1))
  fi
  cat <<PROM
# HELP slipway_backup_runs_total Backup runs by result, counted across runs.
# TYPE slipway_backup_runs_total counter
slipway_backup_runs_total{${l},result="succeeded"} ${succeeded}
slipway_backup_runs_total{${l},result="failed"} ${failed}
# HELP slipway_backup_last_run_timestamp_seconds When the last backup run finished (Unix time).
# TYPE slipway_backup_last_run_timestamp_seconds gauge
slipway_backup_last_run_timestamp_seconds{${l}} ${finished}
# HELP slipway_backup_last_run_success 1 when the last backup run succeeded, else 0.
# TYPE slipway_backup_last_run_success gauge
slipway_backup_last_run_success{${l}} ${ok}
# HELP slipway_backup_last_run_duration_seconds How long the last backup run took.
# TYPE slipway_backup_last_run_duration_seconds gauge
slipway_backup_last_run_duration_seconds{${l}} $((finished - started))
PROM
  [[ -n "${last_success}" ]] || return 0
  cat <<PROM
# HELP slipway_backup_last_success_timestamp_seconds When the last successful backup finished (Unix time).
# TYPE slipway_backup_last_success_timestamp_seconds gauge
slipway_backup_last_success_timestamp_seconds{${l}} ${last_success}
# HELP slipway_backup_last_size_bytes Size of the last successful backup.
# TYPE slipway_backup_last_size_bytes gauge
slipway_backup_last_size_bytes{${l}} ${last_size}
# HELP slipway_backup_last_verified 1 when the last successful backup passed its restore check, else 0.
# TYPE slipway_backup_last_verified gauge
slipway_backup_last_verified{${l}} ${last_verified}
PROM
}
