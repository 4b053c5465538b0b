#!/usr/bin/env bash
# PostgreSQL: the live container, one snapshot shared by the dump and its statistics, and restores into a
# container. Everything runs inside the postgres containers through their local socket as the database owner
# (the image's local trust), so no password is handled here. Sourced by backup-db.sh and restore-db.sh.
# shellcheck disable=SC2034 # globals shared with the other backup files

BACKUP_SQL="$(cd "$(dirname "${BASH_SOURCE[0]}")/../sql" && pwd)"
readonly PG_END_MARK=__slipway_backup_end__

# pg_live PROJECT: sets PG_CONTAINER, PG_USER, PG_DB, PG_IMAGE (id), PG_IMAGE_REF (name) and PG_VOLUME (with
# its compose labels in PG_VOLUME_LABELS) from the infra project's postgres container, or fails saying that
# PostgreSQL is down.
pg_live() {
  local project="$1" id env
  id="$(service_container "${project}" postgres)"
  [[ -n "${id}" ]] ||
    fail "PostgreSQL is down: project ${project} has no postgres container. Deploy a release (it starts the infra project) and run again."
  [[ "$(container_state "${id}")" == running ]] ||
    fail "PostgreSQL is down: its container ${id:0:12} is $(container_state "${id}"). Start it (docker start ${id:0:12}) and run again."
  dk exec "${id}" pg_isready -q -h 127.0.0.1 >/dev/null 2>&1 ||
    fail "PostgreSQL is down: container ${id:0:12} runs but does not accept connections (pg_isready). See docker logs ${id:0:12}."
  env="$(dk inspect -f '{{json .Config.Env}}' "${id}")"
  PG_CONTAINER="${id}"
  PG_USER="$(jq -r 'map(select(startswith("POSTGRES_USER=")))[0] // "POSTGRES_USER=postgres" | sub("^[^=]*="; "")' <<<"${env}")"
  PG_DB="$(jq -r --arg u "${PG_USER}" 'map(select(startswith("POSTGRES_DB=")))[0] // "POSTGRES_DB=\($u)" | sub("^[^=]*="; "")' <<<"${env}")"
  PG_IMAGE="$(dk inspect -f '{{.Image}}' "${id}")"
  PG_IMAGE_REF="$(dk inspect -f '{{.Config.Image}}' "${id}")"
  PG_VOLUME="$(dk inspect -f '{{range .Mounts}}{{if eq .Destination "/var/lib/postgresql/data"}}{{.Name}}{{end}}{{end}}' "${id}")"
  PG_VOLUME_LABELS="$(if [[ -n "${PG_VOLUME}" ]]; then dk volume inspect -f '{{json .Labels}}' "${PG_VOLUME}"; else echo null; fi)"
}

# A psql session inside CONTAINER held open on a coprocess, so that several statements share one transaction.
pg_session_open() {
  local container="$1" user="$2" db="$3"
  coproc PG_SESSION { exec docker exec -i "${container}" psql -X -q -A -t -v ON_ERROR_STOP=1 -U "${user}" -d "${db}" 2>&1 9>&-; }
  # Copies: bash closes a coprocess's own descriptors when it ends and hides them from subshells.
  exec {PG_SESSION_IN}>&"${PG_SESSION[1]}" {PG_SESSION_OUT}<&"${PG_SESSION[0]}"
  # shellcheck disable=SC2153 # set by coproc
  PG_SESSION_CHILD="${PG_SESSION_PID}"
}

# pg_session_query SQL: sets PG_REPLY to what SQL printed. On an error psql stops (ON_ERROR_STOP) and the
# reply is its message: returns 1.
pg_session_query() {
  local line lines=()
  PG_REPLY=""
  printf '%s\n\\echo %s\n' "$1" "${PG_END_MARK}" 2>/dev/null 1>&"${PG_SESSION_IN}" || return 1
  while IFS= read -r -t 3600 line <&"${PG_SESSION_OUT}"; do
    if [[ "${line}" == "${PG_END_MARK}" ]]; then
      PG_REPLY="$(printf '%s\n' "${lines[@]}")"
      return 0
    fi
    lines+=("${line}")
  done
  PG_REPLY="$(printf '%s\n' "${lines[@]}" | tail -n 3)"
  return 1
}

pg_session_close() {
  if [[ -n "${PG_SESSION_IN:-}" ]]; then
    printf 'COMMIT;\n\\q\n' 2>/dev/null 1>&"${PG_SESSION_IN}" || true
    exec {PG_SESSION_IN}>&- {PG_SESSION_OUT}<&-
    wait "${PG_SESSION_CHILD}" 2>/dev/null || true
  fi
  PG_SESSION_IN="" PG_SESSION_OUT=""
}

# The known query: SLIPWAY_BACKUP_KNOWN_QUERY (a file) or the reference service's full-text search.
pg_known_query_file() { printf '%s' "${SLIPWAY_BACKUP_KNOWN_QUERY:-${BACKUP_SQL}/known-query.sql}"; }

# pg_stats_json: sets PG_STATS_OUT to the open session's view of the tables' rows and checksums and of the
# known query's answer, as JSON.
pg_stats_json() {
  local tables known query_file
  query_file="$(pg_known_query_file)"
  [[ -r "${query_file}" ]] || fail "known query file ${query_file} (SLIPWAY_BACKUP_KNOWN_QUERY) is not readable."
  pg_session_query "$(<"${BACKUP_SQL}/table-stats.sql")" || fail "counting the rows of ${PG_DB} failed: ${PG_REPLY}"
  tables="${PG_REPLY}"
  pg_session_query "$(<"${query_file}")" ||
    fail "the known query (${query_file}) failed: ${PG_REPLY}. Set SLIPWAY_BACKUP_KNOWN_QUERY to a query of your schema."
  known="${PG_REPLY}"
  PG_STATS_OUT="$(jq -nc --argjson t "${tables}" --arg k "${known}" --arg f "$(file_sha256 "${query_file}")" \
    '{tables: $t, knownQuery: {sha256: $f, result: $k}}')"
}

# pg_dump_snapshot FILE: sets PG_STATS (JSON) and writes the dump, both from one exported snapshot: the
# statistics describe exactly the rows in the dump, however many writes happen meanwhile. pg_dump runs while
# the statistics are computed (both read the same snapshot), so the run takes the longer of the two.
pg_dump_snapshot() {
  local file="$1" err="${WORK}/.pg_dump.err" dump
  pg_session_open "${PG_CONTAINER}" "${PG_USER}" "${PG_DB}"
  if ! pg_session_query 'BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY;' ||
    ! pg_session_query 'SELECT pg_export_snapshot();'; then
    fail "PostgreSQL refused a snapshot: ${PG_REPLY}"
  fi
  PG_SNAPSHOT="${PG_REPLY}"
  # exec: the background job must not keep the lock descriptor open after this script is gone.
  (exec docker exec "${PG_CONTAINER}" pg_dump -Fc --snapshot="${PG_SNAPSHOT}" -U "${PG_USER}" -d "${PG_DB}" \
    >"${file}" 2>"${err}" 9>&-) &
  dump=$!
  pg_stats_json
  PG_STATS="${PG_STATS_OUT}"
  if ! wait "${dump}"; then
    pg_session_close
    fail "pg_dump of ${PG_DB} failed: $(no_space_hint "${BACKUP_DIR}" "$(cat "${err}")")"
  fi
  rm -f "${err}"
  pg_session_close
  PG_VERSION="$(dk exec "${PG_CONTAINER}" pg_dump --version)"
}

# Settings for a restore: index builds (GIN above all) get memory instead of spilling to disk.
readonly PG_RESTORE_MEMORY="-c maintenance_work_mem=256MB"
readonly PG_RESTORE_SETTINGS=(-c maintenance_work_mem=256MB -c max_wal_size=2GB)
# A throwaway's data is deleted after the check: durability would only slow the restore down.
readonly PG_THROWAWAY_SETTINGS=(-c fsync=off -c synchronous_commit=off -c full_page_writes=off)

# pg_start NAME IMAGE DUMP [VOLUME PASSWORD-FILE]: a postgres container without a network, labelled for
# cleanup, with DUMP mounted read-only at /restore/postgres.dump (for a parallel pg_restore). Without a volume
# it is a throwaway (local trust, an anonymous volume, no fsync); with one it initialises that volume for the
# live project, with the live password file, exactly as the infra project's first start would.
pg_start() {
  local name="$1" image="$2" dump="$3" volume="${4:-}" password_file="${5:-}" opts=() settings=("${PG_RESTORE_SETTINGS[@]}")
  if [[ -n "${volume}" ]]; then
    opts=(-v "${volume}:/var/lib/postgresql/data" -v "${password_file}:/run/secrets/db_password:ro"
      -e POSTGRES_PASSWORD_FILE=/run/secrets/db_password)
  else
    opts=(-e POSTGRES_HOST_AUTH_METHOD=trust)
    settings+=("${PG_THROWAWAY_SETTINGS[@]}")
  fi
  dk run -d --name "${name}" --label "${THROWAWAY_LABEL}=${RUN_ID}" --network none --shm-size 128m \
    --memory 1g -e POSTGRES_USER="${PG_USER}" -e POSTGRES_DB="${PG_DB}" -v "${dump}:/restore/postgres.dump:ro" \
    "${opts[@]}" "${image}" "${settings[@]}" >/dev/null
  pg_wait_ready "${name}" 120
}

# pg_wait_ready CONTAINER SECONDS: TCP on 127.0.0.1 answers only once initialisation is over.
pg_wait_ready() {
  local deadline=$((SECONDS + $2))
  until dk exec "$1" pg_isready -q -h 127.0.0.1 >/dev/null 2>&1; do
    [[ "$(container_state "$1")" == running ]] || fail "the postgres container $1 exited: $(dk logs --tail 5 "$1" 2>&1 | tail -n 5)"
    ((SECONDS < deadline)) || fail "the postgres container $1 was not ready after $2s."
    sleep 0.5
  done
}

# pg_restore_into CONTAINER DB DUMP: restores a custom-format dump; any error stops it (exit 1, message in
# PG_REPLY). DUMP is a file on this host, sent on stdin, or "mounted": the container's /restore/postgres.dump,
# restored by one job per CPU.
pg_restore_into() {
  local container="$1" db="$2" dump="$3"
  local args=(--exit-on-error -U "${PG_USER}" -d "${db}")
  if [[ "${dump}" == mounted ]]; then
    PG_REPLY="$(dk exec "${container}" pg_restore "${args[@]}" --jobs "$(nproc)" /restore/postgres.dump 2>&1)"
  else
    PG_REPLY="$(dk exec -i -e PGOPTIONS="${PG_RESTORE_MEMORY}" "${container}" pg_restore "${args[@]}" <"${dump}" 2>&1)"
  fi || {
    PG_REPLY="$(tail -n 3 <<<"${PG_REPLY}")"
    return 1
  }
}

# pg_stats_of CONTAINER DB: sets PG_STATS_OUT to the same statistics as the backup took, from a restored
# database.
pg_stats_of() {
  pg_session_open "$1" "${PG_USER}" "$2"
  pg_session_query 'BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY;' || fail "reading the restored ${2}: ${PG_REPLY}"
  pg_stats_json
  pg_session_close
}

# pg_psql CONTAINER DB SQL: one statement outside a transaction (CREATE/DROP/ALTER DATABASE need that).
pg_psql() {
  dk exec -i "$1" psql -X -q -A -t -v ON_ERROR_STOP=1 -U "${PG_USER}" -d "$2" -c "$3" 2>&1
}
