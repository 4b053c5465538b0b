#!/usr/bin/env bash
# The two ways restore-db.sh puts a backup back, per store:
#   live: the infra project runs. PostgreSQL: writes are stopped (below), the dump is restored into a new
#         database next to the live one, checked, then swapped in by renaming (the old one is dropped), and the
#         live release's migrations run on it; a failure before the swap leaves the live database as it was and
#         writable again. ChromaDB: the server is stopped, its volume's content replaced, the server started.
#   cold: a new host, before the first deploy: no container and no volume yet. The volumes are made with the
#         compose labels the backup recorded and filled through a container of the same image (PostgreSQL
#         initialised with the host's shared/secrets/db_password), so the first deploy's infra project adopts
#         them as if it had made them.
# Every restore is checked with the statistics the backup recorded. Sourced by restore-db.sh.
# shellcheck disable=SC2034 # globals shared with the other backup files

readonly PG_DB_RE='^[a-z_][a-z0-9_]{0,40}$'

# store_mode STORE SERVICE VOLUME: sets STORE_MODE to live (its container exists) or cold (neither its
# container nor its volume exists); fails otherwise.
store_mode() {
  local store="$1" service="$2" volume="$3"
  STORE_MODE=live
  [[ -z "$(service_container "${PROJECT}" "${service}")" ]] || return 0
  dk volume inspect "${volume}" >/dev/null 2>&1 &&
    fail "${store}: project ${PROJECT} has no ${service} container but its volume ${volume} exists. If it holds nothing you need, remove it (docker volume rm ${volume}) and run again; or deploy first to restore into the running store."
  STORE_MODE=cold
}

# Writes stop while PostgreSQL is restored; reads go on. The live database becomes read-only by default
# (default_transaction_read_only) and its sessions are ended, so the api's pool reconnects read-only: searches
# answer from the old data until the swap, writes fail with "read-only transaction" until then. That window is
# the restore's downtime for writes (WRITES_REFUSED_SECONDS); reads see two connection resets.
pg_writes_stop() {
  pg_psql "${PG_CONTAINER}" postgres "ALTER DATABASE ${PG_DB} SET default_transaction_read_only = on" >/dev/null
  WRITES_STOPPED_AT="${EPOCHREALTIME}"
  pg_end_sessions "${PG_DB}"
  log "writes to ${PG_DB} are refused from now on (reads go on) until the restored database is swapped in"
}

# After a failure before the swap: the live database as it was, writable.
pg_writes_resume() {
  pg_psql "${PG_CONTAINER}" postgres "ALTER DATABASE ${PG_DB} WITH ALLOW_CONNECTIONS true" >/dev/null || true
  pg_psql "${PG_CONTAINER}" postgres "ALTER DATABASE ${PG_DB} RESET default_transaction_read_only" >/dev/null || true
  pg_end_sessions "${PG_DB}" || true
  WRITES_STOPPED_AT=""
  log "writes to ${PG_DB} are accepted again; the live database is unchanged"
}

pg_end_sessions() {
  pg_psql "${PG_CONTAINER}" postgres "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = '$1' AND pid <> pg_backend_pid()" >/dev/null
}

# The live release's migrations on the restored database (a backup may predate them), as a deploy runs them.
pg_migrate_live() {
  local current slot detail
  current="$(current_release)"
  [[ -n "${current}" && -d "${RELEASES_DIR}/${current}" ]] || return 0
  slot="$(live_slot "${current}")"
  [[ -n "${slot}" ]] || return 0
  detail="$(slot_migrate "${slot}" "${current}")" ||
    fail "the restored database is live, but release ${current}'s migrations failed on it: $(tail -n 3 <<<"${detail}")"
}

restore_postgres_live() {
  local dump="$1" expected="$2" tmp="${PG_DB}_restoring" old="${PG_DB}_before_restore"
  pg_live "${PROJECT}"
  [[ "${PG_DB}" =~ ${PG_DB_RE} ]] ||
    fail "database name '$(clip "${PG_DB}")' (POSTGRES_DB) is not one restore-db.sh can rename safely (${PG_DB_RE})."
  pg_psql "${PG_CONTAINER}" postgres "DROP DATABASE IF EXISTS ${tmp} WITH (FORCE)" >/dev/null
  pg_psql "${PG_CONTAINER}" postgres "CREATE DATABASE ${tmp} OWNER ${PG_USER}" >/dev/null
  PG_TEMP_DB="${tmp}"
  pg_writes_stop
  log "restoring PostgreSQL into ${tmp} beside the live ${PG_DB}"
  pg_restore_into "${PG_CONTAINER}" "${tmp}" "${dump}" ||
    fail "pg_restore failed: ${PG_REPLY}. The live database ${PG_DB} is unchanged."
  pg_stats_of "${PG_CONTAINER}" "${tmp}"
  stats_compare PostgreSQL "${expected}" "${PG_STATS_OUT}"
  log "swapping ${tmp} in for ${PG_DB}"
  pg_psql "${PG_CONTAINER}" postgres "ALTER DATABASE ${PG_DB} WITH ALLOW_CONNECTIONS false" >/dev/null
  pg_end_sessions "${PG_DB}"
  pg_psql "${PG_CONTAINER}" postgres "ALTER DATABASE ${PG_DB} RENAME TO ${old}" >/dev/null
  pg_psql "${PG_CONTAINER}" postgres "ALTER DATABASE ${tmp} RENAME TO ${PG_DB}" >/dev/null
  PG_TEMP_DB=""
  WRITES_REFUSED_SECONDS="$(seconds_since "${WRITES_STOPPED_AT}")"
  WRITES_STOPPED_AT=""
  log "writes refused for ${WRITES_REFUSED_SECONDS}s; the restored database is live"
  pg_psql "${PG_CONTAINER}" postgres "DROP DATABASE ${old} WITH (FORCE)" >/dev/null
  pg_migrate_live
}

restore_postgres_cold() {
  local dump="$1" expected="$2" name="slipway-backup-${RUN_ID}-restore-postgres"
  ensure_secrets
  volume_create "${PG_VOLUME}" "$(jq -c '.postgres.volumeLabels // {}' <<<"${MANIFEST}")"
  image_present "${PG_IMAGE_REF}"
  log "initialising ${PG_VOLUME} and restoring PostgreSQL into it"
  pg_start "${name}" "${PG_IMAGE_REF}" "${dump}" "${PG_VOLUME}" "${SHARED_DIR}/secrets/db_password"
  pg_restore_into "${name}" "${PG_DB}" mounted || fail "pg_restore failed: ${PG_REPLY}. Remove ${PG_VOLUME} before trying again."
  pg_stats_of "${name}" "${PG_DB}"
  stats_compare PostgreSQL "${expected}" "${PG_STATS_OUT}"
  dk stop -t 60 "${name}" >/dev/null
  dk rm -f "${name}" >/dev/null
}

restore_chroma_live() {
  local file="$1" expected="$2" id
  id="$(service_container "${PROJECT}" chroma)"
  CHROMA_CONTAINER="${id}" CHROMA_IMAGE="$(dk inspect -f '{{.Image}}' "${id}")"
  CHROMA_VOLUME="$(dk inspect -f '{{range .Mounts}}{{if eq .Destination "/data"}}{{.Name}}{{end}}{{end}}' "${id}")"
  log "replacing the content of the ChromaDB volume ${CHROMA_VOLUME} (server stopped meanwhile)"
  CHROMA_STOPPED=1
  dk stop -t 30 "${id}" >/dev/null
  chroma_fill "${CHROMA_VOLUME}" "${CHROMA_IMAGE}" "${file}" >/dev/null ||
    fail "unpacking the ChromaDB copy into ${CHROMA_VOLUME} failed; the volume may be partly restored: run the restore again."
  chroma_restart
  chroma_stats "${id}" || fail "the restored ChromaDB does not answer its API."
  stats_compare ChromaDB "${expected}" "${CHROMA_STATS_OUT}"
}

restore_chroma_cold() {
  local file="$1" expected="$2" name="slipway-backup-${RUN_ID}-restore-chroma"
  volume_create "${CHROMA_VOLUME}" "$(jq -c '.chroma.volumeLabels // {}' <<<"${MANIFEST}")"
  image_present "${CHROMA_IMAGE_REF}"
  log "filling ${CHROMA_VOLUME} from the backup"
  chroma_fill "${CHROMA_VOLUME}" "${CHROMA_IMAGE_REF}" "${file}" >/dev/null || fail "unpacking the ChromaDB copy failed."
  chroma_start "${name}" "${CHROMA_IMAGE_REF}" "${CHROMA_VOLUME}"
  chroma_stats "${name}" || fail "the restored ChromaDB does not answer its API."
  stats_compare ChromaDB "${expected}" "${CHROMA_STATS_OUT}"
  dk stop -t 30 "${name}" >/dev/null
  dk rm -f "${name}" >/dev/null
}

# volume_create NAME LABELS-JSON: a named volume with the labels compose gave the original (so compose adopts it).
volume_create() {
  local args=() label
  while IFS= read -r label; do args+=(--label "${label}"); done < <(jq -r 'to_entries[] | "\(.key)=\(.value)"' <<<"$2")
  dk volume create "${args[@]}" "$1" >/dev/null
}

image_present() {
  dk image inspect "$1" >/dev/null 2>&1 && return 0
  log "pulling $1"
  dk pull -q "$1" >/dev/null || fail "image $1 is not on this host and pulling it failed. Is the host logged in to its registry?"
}
