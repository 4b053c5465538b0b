#!/usr/bin/env bash
# The two ways restore-db.sh puts a backup back, per store:
#   live: the infra project runs. PostgreSQL: the dump is restored into a new database next to the live one,
#         checked, then swapped in by renaming (the old one is dropped); a failure leaves the live database as
#         it was. ChromaDB: the server is stopped, its volume's content replaced, the server started.
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

# The api's writes stop while PostgreSQL is restored: the live slot's api containers are stopped (the proxy
# answers 503 meanwhile) and started again at the end, whatever happens. Sets API_STOPPED (container ids).
api_stop() {
  local live
  live="$(live_slot "$(current_release)")"
  [[ -n "${live}" ]] || { log "no live release: no api to stop"; return 0; }
  mapfile -t API_STOPPED < <(slot_service "${live}" api)
  ((${#API_STOPPED[@]})) || return 0
  log "stopping the api of slot ${live} (${#API_STOPPED[@]} container(s)): the service is down until the restore ends"
  DOWN_STARTED="${EPOCHREALTIME}"
  dk stop -t 30 "${API_STOPPED[@]}" >/dev/null
}

api_start() {
  ((${#API_STOPPED[@]})) || return 0
  dk start "${API_STOPPED[@]}" >/dev/null
  local id deadline=$((SECONDS + 120))
  for id in "${API_STOPPED[@]}"; do
    until [[ "$(dk inspect -f '{{.State.Health.Status}}' "${id}" 2>/dev/null)" == healthy ]]; do
      ((SECONDS < deadline)) || fail "the api ${id:0:12} is not healthy 120s after the restore. See docker logs ${id:0:12}."
      sleep 0.5
    done
  done
  DOWN_SECONDS="$(seconds_since "${DOWN_STARTED}")"
  API_STOPPED=()
  log "the api is healthy again after ${DOWN_SECONDS}s"
}

restore_postgres_live() {
  local dump="$1" expected="$2" c tmp="${PG_DB}_restoring" old="${PG_DB}_before_restore"
  pg_live "${PROJECT}"
  c="${PG_CONTAINER}"
  need_match "database name" "${PG_DB}" "${PG_DB_RE}"
  pg_psql "${c}" postgres "DROP DATABASE IF EXISTS ${tmp} WITH (FORCE)" >/dev/null
  pg_psql "${c}" postgres "CREATE DATABASE ${tmp} OWNER ${PG_USER}" >/dev/null
  PG_TEMP_DB="${tmp}"
  log "restoring PostgreSQL into ${tmp} beside the live ${PG_DB}"
  pg_restore_into "${c}" "${tmp}" "${dump}" || fail "pg_restore failed: ${PG_REPLY}. The live database ${PG_DB} is unchanged."
  pg_stats_of "${c}" "${tmp}"
  stats_compare PostgreSQL "${expected}" "${PG_STATS_OUT}"
  log "swapping ${tmp} in for ${PG_DB}"
  pg_psql "${c}" postgres "ALTER DATABASE ${PG_DB} WITH ALLOW_CONNECTIONS false" >/dev/null
  pg_psql "${c}" postgres "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${PG_DB}' AND pid <> pg_backend_pid()" >/dev/null
  pg_psql "${c}" postgres "ALTER DATABASE ${PG_DB} RENAME TO ${old}" >/dev/null
  pg_psql "${c}" postgres "ALTER DATABASE ${tmp} RENAME TO ${PG_DB}" >/dev/null
  PG_TEMP_DB=""
  pg_psql "${c}" postgres "DROP DATABASE ${old} WITH (FORCE)" >/dev/null
}

restore_postgres_cold() {
  local dump="$1" expected="$2" name="slipway-backup-${RUN_ID}-restore-postgres"
  ensure_secrets
  volume_create "${PG_VOLUME}" "$(jq -c '.postgres.volumeLabels // {}' <<<"${MANIFEST}")"
  image_present "${PG_IMAGE_REF}"
  log "initialising ${PG_VOLUME} and restoring PostgreSQL into it"
  pg_start "${name}" "${PG_IMAGE_REF}" "${PG_VOLUME}" "${SHARED_DIR}/secrets/db_password"
  pg_restore_into "${name}" "${PG_DB}" "${dump}" || fail "pg_restore failed: ${PG_REPLY}. Remove ${PG_VOLUME} before trying again."
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
