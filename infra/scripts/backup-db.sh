#!/usr/bin/env bash
# backup-db.sh: backs up the infra project's PostgreSQL (pg_dump -Fc from one snapshot) and ChromaDB volume
# (a copy taken with the server stopped) on the VPS, proves the copies restore (throwaway containers, the
# same rows, checksums and known queries as the live stores had), and only then publishes the folder
# <backup-dir>/<UTC time>/ with its manifest.json. Optional age encryption, an off-site copy over SFTP and
# daily retention. Runs as the deploy engine's user (slipway-backup.service) or by hand; see
# docs/DISASTER_RECOVERY.md. Takes the deploy engine's lock while it reads the live stores.
set -euo pipefail

SCRIPT_DIR="$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")"
ENGINE_DIR="$(cd "${SCRIPT_DIR}/../deploy-engine" && pwd)"
BACKUP_LIB="${SCRIPT_DIR}/backup/lib"
# shellcheck source=infra/deploy-engine/lib/common.sh
source "${ENGINE_DIR}/lib/common.sh"
# shellcheck source=infra/deploy-engine/lib/lock.sh
source "${ENGINE_DIR}/lib/lock.sh"
# shellcheck source=infra/deploy-engine/lib/docker.sh
source "${ENGINE_DIR}/lib/docker.sh"
# shellcheck source=infra/deploy-engine/lib/switch.sh
source "${ENGINE_DIR}/lib/switch.sh"
# shellcheck source=infra/scripts/backup/lib/common.sh
source "${BACKUP_LIB}/common.sh"
# shellcheck source=infra/scripts/backup/lib/postgres.sh
source "${BACKUP_LIB}/postgres.sh"
# shellcheck source=infra/scripts/backup/lib/chroma.sh
source "${BACKUP_LIB}/chroma.sh"
# shellcheck source=infra/scripts/backup/lib/verify.sh
source "${BACKUP_LIB}/verify.sh"
# shellcheck source=infra/scripts/backup/lib/store.sh
source "${BACKUP_LIB}/store.sh"
# shellcheck source=infra/scripts/backup/lib/offsite.sh
source "${BACKUP_LIB}/offsite.sh"
# shellcheck source=infra/scripts/backup/lib/publish.sh
source "${BACKUP_LIB}/publish.sh"

usage() {
  cat <<'USAGE'
Usage: backup-db.sh [options]

Backs up PostgreSQL and ChromaDB, verifies the copies by restoring them, then keeps the newest backup of each
of the last --keep-daily days. Exits 1 and deletes nothing when anything fails; the last stdout line is
`SLIPWAY_RESULT {json}`.

  --backup-dir DIR     where backups live (SLIPWAY_BACKUP_DIR, default /var/backups/slipway)
  --keep-daily N       days of backups to keep (SLIPWAY_BACKUP_KEEP_DAILY, default 7); the newest is always kept
  --lock-wait SECONDS  how long to wait for a deploy holding the engine's lock (SLIPWAY_BACKUP_LOCK_WAIT, 600)
  --app-dir DIR        the deploy engine's app dir (SLIPWAY_APP_DIR, default /srv/slipway)
  --config FILE        KEY=VALUE settings (default /etc/slipway/backup.env; the environment wins)
  --verify NAME        check an existing backup again (checksums, then a restore); changes nothing
  --dry-run            check everything a run needs and print the plan; changes nothing
  -h, --help

Encryption: SLIPWAY_BACKUP_AGE_RECIPIENTS=<age recipients file>. Off-site copy: SLIPWAY_BACKUP_OFFSITE=
USER@HOST:/PATH with SLIPWAY_BACKUP_OFFSITE_KEY, SLIPWAY_BACKUP_OFFSITE_KNOWN_HOSTS (pinned host key) and
SLIPWAY_BACKUP_OFFSITE_PORT. Known query: SLIPWAY_BACKUP_KNOWN_QUERY=<sql file>.
USAGE
}

parse_args() {
  DRY_RUN=0 VERIFY_NAME="" CONFIG="${BACKUP_CONFIG_DEFAULT}"
  while (($#)); do
    case "$1" in
      --backup-dir) SLIPWAY_BACKUP_DIR="${2:-}"; shift 2 ;;
      --keep-daily) SLIPWAY_BACKUP_KEEP_DAILY="${2:-}"; shift 2 ;;
      --lock-wait) SLIPWAY_BACKUP_LOCK_WAIT="${2:-}"; shift 2 ;;
      --app-dir) SLIPWAY_APP_DIR="${2:-}"; shift 2 ;;
      --config) CONFIG="${2:-}"; shift 2 ;;
      --verify) VERIFY_NAME="${2:-}"; shift 2 ;;
      --dry-run) DRY_RUN=1; shift ;;
      -h | --help) usage; exit 0 ;;
      *) fail "unknown argument '$1'. Run backup-db.sh --help." ;;
    esac
  done
}

settings() {
  backup_settings
  RECIPIENTS="${SLIPWAY_BACKUP_AGE_RECIPIENTS:-}"
  if [[ -n "${RECIPIENTS}" ]]; then
    [[ -r "${RECIPIENTS}" ]] || fail "SLIPWAY_BACKUP_AGE_RECIPIENTS: '${RECIPIENTS}' is not a readable age recipients file."
    command -v age >/dev/null || fail "encryption is configured but age is not installed (apt-get install age)."
  fi
}

on_backup_exit() {
  local status=$?
  trap - EXIT
  pg_session_close
  if [[ "${CHROMA_STOPPED:-0}" == 1 ]]; then (chroma_restart) || log "ChromaDB did not start again: docker start ${CHROMA_CONTAINER:0:12}"; fi
  throwaway_cleanup "${RUN_ID}"
  if [[ -n "${WORK:-}" ]]; then rm -rf "${WORK}"; fi
  lock_release
  # A run that failed before its backup was published is a failed backup of both stores (a failed off-site
  # copy is recorded as target offsite, after both stores' success).
  if ((status != 0 && !DRY_RUN)) && [[ -z "${VERIFY_NAME}" && -n "${STARTED:-}" && -z "${PUBLISHED:-}" ]]; then
    local target
    for target in postgres chroma; do
      metrics_record --target "${target}" --result failed --started "${STARTED}" --finished "$(date +%s)"
    done
  fi
  exit "${status}"
}

# The live stores, copied under the deploy engine's lock: no deploy migrates or restarts them meanwhile.
take_copies() {
  lock_take "$(current_release)"
  RELEASE="$(current_release)"
  local started="${EPOCHREALTIME}"
  log "dumping PostgreSQL ${PG_DB} (one snapshot for the dump and its statistics)"
  pg_dump_snapshot "${WORK}/postgres.dump"
  PG_SECONDS="$(seconds_since "${started}")"
  log "copying the ChromaDB volume ${CHROMA_VOLUME} with the server stopped"
  chroma_copy "${WORK}/chroma-data.tar"
  log "ChromaDB was stopped for ${CHROMA_DOWN_SECONDS}s"
  lock_release
}

dry_run_plan() {
  echo "Would back up ${PROJECT}: PostgreSQL ${PG_DB} (container ${PG_CONTAINER:0:12}) and the ChromaDB volume ${CHROMA_VOLUME}"
  echo "  (ChromaDB stops for a few seconds; search answers from full-text meanwhile)"
  echo "into ${BACKUP_DIR}/<UTC time>/, encrypted for ${RECIPIENTS:-nobody (no SLIPWAY_BACKUP_AGE_RECIPIENTS)}"
  if offsite_configured; then echo "then copy it to ${OFFSITE_TARGET}:${OFFSITE_PATH}"; fi
  echo "deploy lock: $(if lock_is_held; then echo "held by $(lock_holder); would wait up to ${LOCK_WAIT}s"; else echo free; fi)"
  echo "retention (--keep-daily ${KEEP}) would delete: $(retention_apply "${BACKUP_DIR}" "${KEEP}" --dry-run | paste -sd ' ')"
}

verify_existing() {
  backup_resolve "${BACKUP_DIR}" "${VERIFY_NAME}"
  manifest_check "${BACKUP}"
  local dir="${BACKUP}"
  if jq -e '.encryption' <<<"${MANIFEST}" >/dev/null; then
    WORK="$(mktemp -d "${BACKUP_DIR}/.verify-XXXXXX")"
    decrypt_files "${BACKUP}" "${WORK}" "${SLIPWAY_BACKUP_AGE_IDENTITY:-}"
    dir="${WORK}"
  fi
  read -r PG_DB PG_USER PG_IMAGE CHROMA_IMAGE < <(jq -r '[.postgres.database, .postgres.user,
    .postgres.image, .chroma.image] | @tsv' <<<"${MANIFEST}")
  verify_restore "${dir}" "$(jq -c .postgres.stats <<<"${MANIFEST}")" "$(jq -c .chroma.stats <<<"${MANIFEST}")"
  emit_result "$(jq -nc --arg b "$(basename "${BACKUP}")" --argjson v "${VERIFY_JSON}" \
    '{ok: true, command: "verify", backup: $b, verified: true, verification: $v}')"
}

main() {
  parse_args "$@"
  COMMAND=backup ACTOR="${SUDO_USER:-${USER:-backup}}@$(hostname -s)"
  RUN_ID="$(date -u +%Y%m%dT%H%M%SZ)" CREATED="$(now)"
  trap on_backup_exit EXIT
  trap 'exit 130' INT TERM HUP
  # Any unexpected failure, even in a function or a command substitution, ends with the engine's message.
  set -o errtrace
  trap 'on_error $LINENO' ERR
  settings
  if [[ -n "${VERIFY_NAME}" ]]; then verify_existing; return 0; fi
  pg_live "${PROJECT}"
  chroma_live "${PROJECT}"
  if offsite_configured; then :; fi
  if ((DRY_RUN)); then dry_run_plan; return 0; fi
  check_space
  STARTED="$(date +%s)" STARTED_REAL="${EPOCHREALTIME}"
  # Two runs in the same second (by hand, beside the timer) must not share a name.
  while [[ -e "${BACKUP_DIR}/${RUN_ID}" ]] || ! (umask 077 && mkdir "${BACKUP_DIR}/.incomplete-${RUN_ID}" 2>/dev/null); do
    sleep 1
    RUN_ID="$(date -u +%Y%m%dT%H%M%SZ)" CREATED="$(now)"
  done
  WORK="${BACKUP_DIR}/.incomplete-${RUN_ID}"
  take_copies
  log "verifying: restoring both copies into throwaway containers"
  local started="${EPOCHREALTIME}"
  verify_restore "${WORK}" "${PG_STATS}" "${CHROMA_STATS}"
  VERIFY_SECONDS="$(seconds_since "${started}")"
  publish
  log "backup ${RUN_ID} verified in ${VERIFY_SECONDS}s and published: ${BACKUP}"
  local finished size
  finished="$(date +%s)"
  PUBLISHED=1
  for target in postgres chroma; do
    size="$(jq --arg t "${target}" '[.files[] | select(.name | startswith($t)) | .bytes] | add // 0' "${BACKUP}/manifest.json")"
    metrics_record --target "${target}" --result succeeded --started "${STARTED}" --finished "${finished}" \
      --size-bytes "${size}" --verified yes
  done
  backup_offsite
  lock_take "${RELEASE}"
  PRUNED="$(retention_apply "${BACKUP_DIR}" "${KEEP}" | paste -sd ' ')"
  lock_release
  if [[ -n "${PRUNED}" ]]; then log "retention (--keep-daily ${KEEP}) deleted: ${PRUNED}"; fi
  emit_result "$(jq -c --arg p "${PRUNED}" --arg o "${OFFSITE_RESULT:-}" '{ok: true, command: "backup",
    backup: .name, release, verified, bytes: ([.files[].bytes] | add), seconds: .durations.totalSeconds,
    pruned: ($p | split(" ") | map(select(. != ""))), offsite: $o}' "${BACKUP}/manifest.json")"
}

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
  main "$@"
fi
