#!/usr/bin/env bash
# The end of a backup run: the space check before it starts, the manifest, the rename that publishes the
# folder, the metrics for monitoring (the engine's `slipway record-backup`, docs/OBSERVABILITY.md) and the
# off-site copy. Sourced by backup-db.sh.
# shellcheck disable=SC2034 # globals shared with the other backup files

# Refuses to start when the last backup would not fit: a full disk fails half-way otherwise.
check_space() {
  local last need free
  last="$(backups_verified "${BACKUP_DIR}" 1)"
  [[ -n "${last}" ]] || return 0
  need="$(du -sb "${BACKUP_DIR}/${last}" | cut -f1)"
  free="$(df --output=avail -B1 "${BACKUP_DIR}" | tail -n1 | tr -d ' ')"
  ((free > need + need / 5)) ||
    fail "disk full: ${free} bytes free in ${BACKUP_DIR}, the last backup took ${need}. Free space or lower --keep-daily; earlier backups are untouched."
}

# metrics_record ARGS...: one `slipway record-backup` call; a metric that cannot be written never fails a backup.
metrics_record() {
  local out
  out="$("${ENGINE_DIR}/bin/slipway" --app-dir "${APP_DIR}" record-backup "$@" 2>&1)" ||
    log "warning: backup metrics not recorded (${out##*$'\n'}); the backup itself is unaffected."
}

# publish: encrypts the verified copies when a recipient is configured, writes the manifest, makes the files
# durable and renames .incomplete-<time> to <time>: a folder with that name is always complete.
publish() {
  local plain=null files final="${BACKUP_DIR}/${RUN_ID}"
  if [[ -n "${RECIPIENTS}" ]]; then
    encrypt_files "${WORK}" "${RECIPIENTS}"
    plain="${PLAINTEXT_FILES}"
  fi
  files="$(files_json "${WORK}")"
  write_atomic "${WORK}/manifest.json" "$(manifest_json "${files}" "${plain}")"
  chmod 0600 "${WORK}"/*
  sync "${WORK}"/*
  mv -T "${WORK}" "${final}"
  WORK=""
  BACKUP="${final}"
}

# manifest_json FILES PLAINTEXT-FILES: the manifest (lib/manifest.jq) from what this run collected.
manifest_json() {
  jq -n --arg name "${RUN_ID}" --arg created "${CREATED}" --arg host "$(hostname)" --arg release "${RELEASE}" \
    --argjson files "$1" --argjson plain "$2" --arg pgdump "${PG_VERSION}" --arg chroma "${CHROMA_VERSION}" \
    --arg age "$(if [[ -n "${RECIPIENTS}" ]]; then age --version; fi)" \
    --arg db "${PG_DB}" --arg user "${PG_USER}" --arg pgi "${PG_IMAGE}" --arg pgr "${PG_IMAGE_REF}" \
    --arg pgvol "${PG_VOLUME}" --argjson pgvl "${PG_VOLUME_LABELS}" --arg snap "${PG_SNAPSHOT}" --argjson pgs "${PG_STATS}" \
    --arg vol "${CHROMA_VOLUME}" --argjson vl "${CHROMA_VOLUME_LABELS}" --arg chi "${CHROMA_IMAGE}" \
    --arg chr "${CHROMA_IMAGE_REF}" --argjson chs "${CHROMA_STATS}" --argjson verify "${VERIFY_JSON}" \
    --argjson pgsec "${PG_SECONDS}" --argjson down "${CHROMA_DOWN_SECONDS}" --argjson vsec "${VERIFY_SECONDS}" \
    --argjson total "$(seconds_since "${STARTED_REAL}")" -f "${BACKUP_LIB}/manifest.jq"
}

# The off-site copy and its own retention; recorded as target "offsite" for monitoring.
backup_offsite() {
  offsite_configured || return 0
  local started finished
  started="$(date +%s)"
  log "copying ${RUN_ID} to ${OFFSITE_TARGET}:${OFFSITE_PATH}"
  if ! (offsite_push "${BACKUP}"); then
    metrics_record --target offsite --result failed --started "${started}" --finished "$(date +%s)"
    fail "the backup ${RUN_ID} is verified here, but its off-site copy failed (see above); nothing was pruned."
  fi
  offsite_prune "${KEEP}"
  finished="$(date +%s)"
  metrics_record --target offsite --result succeeded --started "${started}" --finished "${finished}" \
    --size-bytes "$(du -sb "${BACKUP}" | cut -f1)" --verified yes
  OFFSITE_RESULT="${OFFSITE_TARGET}:${OFFSITE_PATH}/${RUN_ID}${OFFSITE_PRUNED:+ (pruned ${OFFSITE_PRUNED})}"
}
