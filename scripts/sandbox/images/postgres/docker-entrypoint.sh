#!/usr/bin/env bash
# The subset of the official postgres entrypoint that compose files rely on: POSTGRES_USER,
# POSTGRES_PASSWORD(_FILE), POSTGRES_DB(_FILE), POSTGRES_INITDB_ARGS, POSTGRES_HOST_AUTH_METHOD,
# PGDATA and /docker-entrypoint-initdb.d/*.sh|*.sql|*.sql.gz, run once on an empty data directory.
set -Eeuo pipefail

# VAR or VAR_FILE (a Docker secret), never both.
file_env() {
  local var="$1" def="${2:-}" file_var="${1}_FILE" val
  if [[ -n "${!var:-}" && -n "${!file_var:-}" ]]; then
    echo "error: both ${var} and ${file_var} are set (but are exclusive)" >&2
    exit 1
  fi
  val="${def}"
  if [[ -n "${!var:-}" ]]; then
    val="${!var}"
  elif [[ -n "${!file_var:-}" ]]; then
    val="$(<"${!file_var}")"
  fi
  export "${var}=${val}"
  unset "${file_var}"
}

setup_env() {
  file_env POSTGRES_PASSWORD
  file_env POSTGRES_USER postgres
  file_env POSTGRES_DB "${POSTGRES_USER}"
  file_env POSTGRES_INITDB_ARGS
  : "${POSTGRES_HOST_AUTH_METHOD:=}"
  export PGDATA="${PGDATA:-/var/lib/postgresql/data}"
}

init_database() {
  if [[ -z "${POSTGRES_PASSWORD}" && "${POSTGRES_HOST_AUTH_METHOD}" != trust ]]; then
    echo 'error: database is uninitialized and superuser password is not specified.' >&2
    echo '  Set POSTGRES_PASSWORD (or POSTGRES_PASSWORD_FILE), or POSTGRES_HOST_AUTH_METHOD=trust.' >&2
    exit 1
  fi
  local args=(--username="${POSTGRES_USER}" -D "${PGDATA}" --auth-local=trust)
  # shellcheck disable=SC2086 # POSTGRES_INITDB_ARGS is a word list, as upstream treats it
  if [[ -n "${POSTGRES_PASSWORD}" ]]; then
    initdb "${args[@]}" --pwfile=<(printf '%s\n' "${POSTGRES_PASSWORD}") ${POSTGRES_INITDB_ARGS}
  else
    initdb "${args[@]}" ${POSTGRES_INITDB_ARGS}
  fi
  printf "\nlisten_addresses = '*'\n" >>"${PGDATA}/postgresql.conf"
  printf '\nhost all all all %s\n' "${POSTGRES_HOST_AUTH_METHOD:-scram-sha-256}" >>"${PGDATA}/pg_hba.conf"

  pg_ctl -D "${PGDATA}" -o "-c listen_addresses='' -p 5432" -w start
  local psql=(psql -v ON_ERROR_STOP=1 --username "${POSTGRES_USER}" --no-password --no-psqlrc)
  if [[ "${POSTGRES_DB}" != postgres ]]; then
    "${psql[@]}" --dbname postgres --set db="${POSTGRES_DB}" <<<'CREATE DATABASE :"db";'
  fi
  local f
  for f in /docker-entrypoint-initdb.d/*; do
    case "${f}" in
      *.sh)
        if [[ -x "${f}" ]]; then "${f}"; else
          # shellcheck disable=SC1090
          . "${f}"
        fi
        ;;
      *.sql) "${psql[@]}" --dbname "${POSTGRES_DB}" -f "${f}" ;;
      *.sql.gz) gunzip -c "${f}" | "${psql[@]}" --dbname "${POSTGRES_DB}" ;;
      *) [[ -e "${f}" ]] && echo "ignoring ${f}" >&2 ;;
    esac
  done
  pg_ctl -D "${PGDATA}" -m fast -w stop
}

main() {
  if [[ "${1:-}" == -* ]]; then
    set -- postgres "$@"
  fi
  if [[ "${1:-}" != postgres ]]; then
    exec "$@"
  fi
  setup_env
  if [[ "$(id -u)" == 0 ]]; then
    mkdir -p "${PGDATA}" /var/run/postgresql
    chown postgres:postgres "${PGDATA}" /var/run/postgresql
    chmod 0700 "${PGDATA}"
    exec setpriv --reuid=postgres --regid=postgres --init-groups "${BASH_SOURCE[0]}" "$@"
  fi
  if [[ ! -s "${PGDATA}/PG_VERSION" ]]; then
    init_database
  fi
  exec "$@"
}

main "$@"
