#!/usr/bin/env bash
# restore-db.sh: puts a backup made by backup-db.sh back into PostgreSQL and ChromaDB. It checks the backup's
# checksums first (and refuses a backup that fails them), takes the deploy engine's lock so no deploy runs
# meanwhile, refuses writes to PostgreSQL while it is restored (reads go on; the time writes were refused is
# printed), restores both stores, checks them against the backup's rows, checksums and vector counts, and
# reports them. On a new host without a running stack it fills fresh volumes for the first deploy instead
# (lib/restore.sh). See docs/DISASTER_RECOVERY.md.
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
# shellcheck source=infra/deploy-engine/lib/releases.sh
source "${ENGINE_DIR}/lib/releases.sh"
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
# shellcheck source=infra/scripts/backup/lib/restore.sh
source "${BACKUP_LIB}/restore.sh"

usage() {
  cat <<'USAGE'
Usage: restore-db.sh [options] [latest|<backup folder name>]     (default: latest)

Restores a verified backup into PostgreSQL and ChromaDB. The last stdout line is `SLIPWAY_RESULT {json}`.

  --dry-run            check the backup's checksums and print what would happen; changes nothing
  --only STORE         restore only postgres or only chroma
  --from-offsite       take the backup from the off-site host (SLIPWAY_BACKUP_OFFSITE) into --backup-dir first
  --identity FILE      age identity for an encrypted backup (SLIPWAY_BACKUP_AGE_IDENTITY)
  --backup-dir DIR     where backups live (SLIPWAY_BACKUP_DIR, default /var/backups/slipway)
  --lock-wait SECONDS  how long to wait for a deploy holding the engine's lock (default 600)
  --app-dir DIR        the deploy engine's app dir (SLIPWAY_APP_DIR, default /srv/slipway)
  --config FILE        KEY=VALUE settings (default /etc/slipway/backup.env; the environment wins)
  -h, --help
USAGE
}

parse_args() {
  DRY_RUN=0 ONLY="" FROM_OFFSITE=0 WHICH=latest CONFIG="${BACKUP_CONFIG_DEFAULT}"
  while (($#)); do
    case "$1" in
      --dry-run) DRY_RUN=1; shift ;;
      --only) ONLY="${2:-}"; shift 2 ;;
      --from-offsite) FROM_OFFSITE=1; shift ;;
      --identity) SLIPWAY_BACKUP_AGE_IDENTITY="${2:-}"; shift 2 ;;
      --backup-dir) SLIPWAY_BACKUP_DIR="${2:-}"; shift 2 ;;
      --lock-wait) SLIPWAY_BACKUP_LOCK_WAIT="${2:-}"; shift 2 ;;
      --app-dir) SLIPWAY_APP_DIR="${2:-}"; shift 2 ;;
      --config) CONFIG="${2:-}"; shift 2 ;;
      -h | --help) usage; exit 0 ;;
      -*) fail "unknown option '$1'. Run restore-db.sh --help." ;;
      *) WHICH="$1"; shift ;;
    esac
  done
  [[ -z "${ONLY}" || "${ONLY}" == postgres || "${ONLY}" == chroma ]] ||
    fail "--only: expected postgres or chroma, got '${ONLY}'."
}

on_restore_exit() {
  local status=$?
  trap - EXIT
  pg_session_close
  if [[ -n "${WRITES_STOPPED_AT:-}" ]]; then pg_writes_resume; fi
  if [[ -n "${PG_TEMP_DB:-}" ]]; then pg_psql "${PG_CONTAINER}" postgres "DROP DATABASE IF EXISTS ${PG_TEMP_DB} WITH (FORCE)" >/dev/null || true; fi
  if [[ "${CHROMA_STOPPED:-0}" == 1 ]]; then (chroma_restart) || log "ChromaDB did not start again: docker start ${CHROMA_CONTAINER:0:12}"; fi
  throwaway_cleanup "${RUN_ID}"
  if [[ -n "${WORK:-}" ]]; then rm -rf "${WORK}"; fi
  lock_release
  exit "${status}"
}

# The backup to restore, checked (and decrypted) before anything changes. Sets BACKUP, MANIFEST and DATA (the
# folder holding the plaintext files).
prepare() {
  if ((FROM_OFFSITE)); then
    offsite_configured || fail "--from-offsite needs SLIPWAY_BACKUP_OFFSITE (USER@HOST:/PATH) and its key settings."
    local name="${WHICH}"
    if [[ "${name}" == latest ]]; then
      offsite_list
      ((${#OFFSITE_BACKUPS[@]})) || fail "no backup on ${OFFSITE_TARGET}:${OFFSITE_PATH}."
      name="${OFFSITE_BACKUPS[0]}"
    fi
    if [[ ! -d "${BACKUP_DIR}/${name}" ]]; then
      log "fetching ${name} from ${OFFSITE_TARGET}:${OFFSITE_PATH}"
      offsite_fetch "${name}" "${BACKUP_DIR}"
    fi
    WHICH="${name}"
  fi
  backup_resolve "${BACKUP_DIR}" "${WHICH}"
  manifest_check "${BACKUP}"
  jq -e '.verified == true' <<<"${MANIFEST}" >/dev/null ||
    fail "backup $(basename "${BACKUP}") was never verified; refusing it. Choose a verified backup."
  DATA="${BACKUP}"
  if jq -e '.encryption' <<<"${MANIFEST}" >/dev/null; then
    WORK="$(mktemp -d "${BACKUP_DIR}/.restore-XXXXXX")"
    decrypt_files "${BACKUP}" "${WORK}" "${SLIPWAY_BACKUP_AGE_IDENTITY:-}"
    DATA="${WORK}"
  fi
  read -r PG_DB PG_USER PG_VOLUME PG_IMAGE_REF CHROMA_VOLUME CHROMA_IMAGE_REF < <(jq -r '[.postgres.database,
    .postgres.user, .postgres.volume, .postgres.imageRef, .chroma.volume, .chroma.imageRef] | @tsv' <<<"${MANIFEST}")
  PG_MODE="" CHROMA_MODE=""
  if [[ "${ONLY}" != chroma ]]; then store_mode PostgreSQL postgres "${PG_VOLUME}" && PG_MODE="${STORE_MODE}"; fi
  if [[ "${ONLY}" != postgres ]]; then store_mode ChromaDB chroma "${CHROMA_VOLUME}" && CHROMA_MODE="${STORE_MODE}"; fi
}

plan() {
  jq -r '"Backup \(.name) (created \(.created), release \(if .release == "" then "none" else .release end)): checksums ok",
    (.postgres.stats.tables | to_entries[] | "  table \(.key): \(.value.rows) rows"),
    (.chroma.stats | to_entries[] | "  collection \(.key): \(.value.count) vectors")' <<<"${MANIFEST}"
  [[ -z "${PG_MODE}" ]] || echo "PostgreSQL: ${PG_MODE} restore of ${PG_DB}$([[ "${PG_MODE}" == live ]] && echo " (writes refused meanwhile, reads go on)")"
  [[ -z "${CHROMA_MODE}" ]] || echo "ChromaDB: ${CHROMA_MODE} restore of ${CHROMA_VOLUME}"
  echo "deploy lock: $(if lock_is_held; then echo "held by $(lock_holder); would wait up to ${LOCK_WAIT}s"; else echo free; fi)"
}

main() {
  parse_args "$@"
  COMMAND=restore ACTOR="${SUDO_USER:-${USER:-operator}}@$(hostname -s)"
  RUN_ID="$(date -u +%Y%m%dT%H%M%SZ)" WRITES_REFUSED_SECONDS=0
  trap on_restore_exit EXIT
  trap 'exit 130' INT TERM HUP
  # Any unexpected failure, even in a function or a command substitution, ends with the engine's message.
  set -o errtrace
  trap 'on_error $LINENO' ERR
  backup_settings
  prepare
  if ((DRY_RUN)); then plan; return 0; fi
  local started="${EPOCHREALTIME}" pg_stats chroma_stats
  lock_take "$(jq -r .release <<<"${MANIFEST}")"
  pg_stats="$(jq -c .postgres.stats <<<"${MANIFEST}")" chroma_stats="$(jq -c .chroma.stats <<<"${MANIFEST}")"
  case "${PG_MODE}" in
    live) restore_postgres_live "${DATA}/postgres.dump" "${pg_stats}" ;;
    cold) restore_postgres_cold "${DATA}/postgres.dump" "${pg_stats}" ;;
  esac
  case "${CHROMA_MODE}" in
    live) restore_chroma_live "${DATA}/chroma-data.tar" "${chroma_stats}" ;;
    cold) restore_chroma_cold "${DATA}/chroma-data.tar" "${chroma_stats}" ;;
  esac
  log "restored $(basename "${BACKUP}") in $(seconds_since "${started}")s; rows and vectors match the backup"
  if [[ "${PG_MODE}" == cold || "${CHROMA_MODE}" == cold ]]; then
    log "the volumes are ready: deploy release $(jq -r '.release // "the last good one"' <<<"${MANIFEST}") now; its infra project starts on them"
  fi
  emit_result "$(jq -c --arg pm "${PG_MODE}" --arg cm "${CHROMA_MODE}" --argjson w "${WRITES_REFUSED_SECONDS}" \
    --argjson t "$(seconds_since "${started}")" '{ok: true, command: "restore", backup: .name, release,
    postgres: (if $pm == "" then null else {mode: $pm, tables: (.postgres.stats.tables | map_values(.rows))} end),
    chroma: (if $cm == "" then null else {mode: $cm, collections: (.chroma.stats | map_values(.count))} end),
    writesRefusedSeconds: $w, seconds: $t}' <<<"${MANIFEST}")"
}

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
  main "$@"
fi
