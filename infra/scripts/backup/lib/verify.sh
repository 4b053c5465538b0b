#!/usr/bin/env bash
# The restore check every backup passes before it is called verified: both copies restored into throwaway
# containers (no network, removed afterwards), then the same statistics as were taken from the live stores
# (rows and a checksum per table, the known query, vectors and a known query per collection) must come out
# identical. `pg_restore --list` is not used as a check: a truncated dump passes it. Sourced by backup-db.sh.
# shellcheck disable=SC2034 # globals shared with the other backup files

# verify_restore DIR PG-STATS CHROMA-STATS: restores DIR/postgres.dump and DIR/chroma-data.tar. Sets
# VERIFY_JSON ({postgres: {restoreSeconds}, chroma: {restoreSeconds}}) or fails naming the first difference.
verify_restore() {
  local dir="$1" pg_expected="$2" chroma_expected="$3" started pg_seconds chroma_seconds
  local pg_name="slipway-backup-${RUN_ID}-verify-postgres" chroma_name="slipway-backup-${RUN_ID}-verify-chroma"
  local volume="slipway-backup-${RUN_ID}-verify-chroma"

  started="${EPOCHREALTIME}"
  pg_start "${pg_name}" "${PG_IMAGE}" "${dir}/postgres.dump"
  pg_restore_into "${pg_name}" "${PG_DB}" mounted ||
    fail "verification failed: postgres.dump does not restore: ${PG_REPLY}"
  pg_stats_of "${pg_name}" "${PG_DB}"
  stats_compare PostgreSQL "${pg_expected}" "${PG_STATS_OUT}"
  pg_seconds="$(seconds_since "${started}")"
  dk rm -f -v "${pg_name}" >/dev/null

  started="${EPOCHREALTIME}"
  dk volume create --label "${THROWAWAY_LABEL}=${RUN_ID}" "${volume}" >/dev/null
  chroma_fill "${volume}" "${CHROMA_IMAGE}" "${dir}/chroma-data.tar" >/dev/null 2>&1 ||
    fail "verification failed: chroma-data.tar does not unpack into a volume."
  chroma_start "${chroma_name}" "${CHROMA_IMAGE}" "${volume}"
  chroma_stats "${chroma_name}" || fail "verification failed: the restored ChromaDB does not answer its API."
  stats_compare ChromaDB "${chroma_expected}" "${CHROMA_STATS_OUT}"
  chroma_seconds="$(seconds_since "${started}")"
  dk rm -f "${chroma_name}" >/dev/null
  dk volume rm -f "${volume}" >/dev/null

  VERIFY_JSON="$(jq -nc --argjson p "${pg_seconds}" --argjson c "${chroma_seconds}" \
    '{postgres: {restoreSeconds: $p}, chroma: {restoreSeconds: $c}}')"
}

# stats_compare STORE EXPECTED ACTUAL: fails listing what differs (tables, collections, counts, answers).
stats_compare() {
  local store="$1" diff
  diff="$(jq -rn --argjson e "$2" --argjson a "$3" -f "${BACKUP_LIB}/stats-diff.jq")"
  [[ -z "${diff}" ]] || fail "verification failed: the restored ${store} differs from the backup: ${diff}"
}
