#!/usr/bin/env bash
# ChromaDB: the live container and its volume, a consistent copy of the volume, its statistics through the
# server's own HTTP API (curl inside the container: the server needs no published port), and restores.
#
# Consistency: Chroma's documented way to copy its files is with the server stopped (a copy taken while it
# writes does not restore: tests/backup shows one fail). So: stop the live container (docker stop: SIGTERM, it
# finishes and closes its files), copy the volume to a staging volume (cp -a, same disk: fast), start the live
# container again. The api answers from full-text search alone for those seconds (ChromaDB is not a required
# check); measured: docs/DISASTER_RECOVERY.md. Then, with the live server back, a network-less Chroma reads
# the counts of the staging copy (nothing else can write to it) and the staging copy is archived.
# Sourced by backup-db.sh and restore-db.sh.
# shellcheck disable=SC2034 # globals shared with the other backup files

readonly CHROMA_API=http://127.0.0.1:8000/api/v2
readonly CHROMA_TENANT=default_tenant
# The uid the infra project runs Chroma as (compose.release.yaml, user 1000:1000; chroma-init chowns to it).
readonly CHROMA_UID=1000

# chroma_live PROJECT: sets CHROMA_CONTAINER, CHROMA_VOLUME (with its compose labels in CHROMA_VOLUME_LABELS),
# CHROMA_IMAGE (id) and CHROMA_IMAGE_REF, or fails saying that Chroma is down.
chroma_live() {
  local project="$1" id
  id="$(service_container "${project}" chroma)"
  [[ -n "${id}" ]] ||
    fail "ChromaDB is down: project ${project} has no chroma container. Deploy a release (it starts the infra project) and run again."
  [[ "$(container_state "${id}")" == running ]] ||
    fail "ChromaDB is down: its container ${id:0:12} is $(container_state "${id}"). Start it (docker start ${id:0:12}) and run again."
  chroma_ready "${id}" ||
    fail "ChromaDB is down: container ${id:0:12} runs but its heartbeat does not answer. See docker logs ${id:0:12}."
  CHROMA_CONTAINER="${id}"
  CHROMA_VOLUME="$(dk inspect -f '{{range .Mounts}}{{if eq .Destination "/data"}}{{.Name}}{{end}}{{end}}' "${id}")"
  [[ -n "${CHROMA_VOLUME}" ]] || fail "ChromaDB container ${id:0:12} has no volume at /data: there is nothing to back up."
  CHROMA_VOLUME_LABELS="$(dk volume inspect -f '{{json .Labels}}' "${CHROMA_VOLUME}")"
  CHROMA_IMAGE="$(dk inspect -f '{{.Image}}' "${id}")"
  CHROMA_IMAGE_REF="$(dk inspect -f '{{.Config.Image}}' "${id}")"
}

chroma_ready() { dk exec "$1" curl -fsS -o /dev/null --max-time 2 "${CHROMA_API}/heartbeat" >/dev/null 2>&1; }

# chroma_wait_ready CONTAINER SECONDS
chroma_wait_ready() {
  local deadline=$((SECONDS + $2))
  until chroma_ready "$1"; do
    [[ "$(container_state "$1")" == running ]] || fail "the chroma container $1 exited: $(dk logs --tail 5 "$1" 2>&1 | tail -n 5)"
    ((SECONDS < deadline)) || fail "the chroma container $1 did not answer its heartbeat after $2s."
    sleep 0.2
  done
}

# chroma_call CONTAINER PATH [JSON-BODY]: one API call (GET, or POST with a body); prints the answer.
chroma_call() {
  local args=(-fsS --max-time 60)
  if (($# > 2)); then args+=(-X POST -H 'content-type: application/json' --data-binary @-); fi
  dk exec -i "$1" curl "${args[@]}" "${CHROMA_API}$2" <<<"${3:-}"
}

# chroma_stats CONTAINER: sets CHROMA_STATS_OUT to every collection of the default tenant, keyed
# "database/collection": its vector count, the sha256 of its sorted ids (every record listed, not just
# counted), and a known query: the nearest neighbours of its first record (whose embedding is summarised by
# the sha256 of its JSON). Returns 1 when the server does not answer.
chroma_stats() {
  local c="$1" base db col id name count ids probe sha neighbours out='{}'
  CHROMA_STATS_OUT=""
  base="/tenants/${CHROMA_TENANT}/databases"
  for db in $(chroma_call "${c}" "${base}?limit=1000" | jq -r '.[].name'); do
    while IFS=$'\t' read -r id name; do
      [[ -n "${id}" ]] || continue
      col="${base}/${db}/collections/${id}"
      count="$(chroma_call "${c}" "${col}/count")" || return 1
      ids="$(chroma_ids "${c}" "${col}" | sha256sum | cut -d' ' -f1)" || return 1
      probe='{"ids": [null]}' sha=null neighbours='[]'
      if ((count > 0)); then
        probe="$(chroma_call "${c}" "${col}/get" '{"limit": 1, "offset": 0, "include": ["embeddings"]}')" || return 1
        sha="\"$(jq -c '.embeddings[0]' <<<"${probe}" | sha256sum | cut -d' ' -f1)\""
        neighbours="$(chroma_call "${c}" "${col}/query" "$(jq -c --argjson n "$((count < 5 ? count : 5))" \
          '{query_embeddings: [.embeddings[0]], n_results: $n, include: ["distances"]}' <<<"${probe}")" |
          jq -c '.ids[0]')" || return 1
      fi
      out="$(jq -c --arg k "${db}/${name}" --argjson n "${count}" --arg i "${ids}" --argjson p "${probe}" \
        --argjson h "${sha}" --argjson q "${neighbours}" \
        '. + {($k): {count: $n, idsSha256: $i, probe: $p.ids[0], probeSha256: $h, neighbours: $q}}' <<<"${out}")"
    done < <(chroma_call "${c}" "${base}/${db}/collections?limit=1000" | jq -r '.[] | [.id, .name] | @tsv')
  done
  CHROMA_STATS_OUT="${out}"
}

# chroma_ids CONTAINER COLLECTION-PATH: every id of the collection, sorted, one per line (paged reads).
chroma_ids() {
  local c="$1" col="$2" offset=0 page=10000 got
  while :; do
    got="$(chroma_call "${c}" "${col}/get" "{\"limit\": ${page}, \"offset\": ${offset}, \"include\": []}" | jq -r '.ids[]')" || return 1
    if [[ -n "${got}" ]]; then printf '%s\n' "${got}"; fi
    (($(grep -c . <<<"${got}") == page)) || break
    offset=$((offset + page))
  done | sort
}

# chroma_start NAME IMAGE VOLUME: a Chroma server without a network on VOLUME, labelled for cleanup; runs as
# the uid the infra project uses, so it reads and writes the volume as the live server does.
chroma_start() {
  dk run -d --name "$1" --label "${THROWAWAY_LABEL}=${RUN_ID}" --network none --user "${CHROMA_UID}:${CHROMA_UID}" \
    --memory 512m -v "$3:/data" "$2" >/dev/null
  chroma_wait_ready "$1" 60
}

# chroma_helper AS MOUNT IMAGE COMMAND...: a one-shot COMMAND of the chroma image with MOUNT (VOLUME:/data
# or VOLUME:/data:ro), as Chroma's uid (AS=chroma) or as root with the file capabilities a restore needs
# (AS=root; AS=root-read also mounts this run's staging volume at /staging).
chroma_helper() {
  local as="$1" mount="$2" image="$3" opts=(--user "${CHROMA_UID}:${CHROMA_UID}")
  shift 3
  case "${as}" in
    root) opts=(--user 0:0 --cap-add CHOWN --cap-add DAC_OVERRIDE --cap-add FOWNER) ;;
    root-read) opts=(--user 0:0 --cap-add CHOWN --cap-add DAC_OVERRIDE --cap-add FOWNER
      -v "slipway-backup-${RUN_ID}-chroma-staging:/staging") ;;
  esac
  dk run --rm -i "${HELPER_OPTS[@]}" --label "${THROWAWAY_LABEL}=${RUN_ID}" "${opts[@]}" -v "${mount}" \
    --entrypoint "$1" "${image}" "${@:2}"
}

# chroma_copy FILE: the consistent copy described at the top of this file. Sets CHROMA_STATS (the counts of
# exactly what is archived), CHROMA_DOWN_SECONDS and CHROMA_VERSION. CHROMA_STOPPED stays 1 until the live
# container runs again, so the exit trap can restart it whatever fails in between.
chroma_copy() {
  local file="$1" started err staging="slipway-backup-${RUN_ID}-chroma-staging" probe="slipway-backup-${RUN_ID}-chroma-source"
  CHROMA_VERSION="$(chroma_call "${CHROMA_CONTAINER}" /version | tr -d '"')"
  dk volume create --label "${THROWAWAY_LABEL}=${RUN_ID}" "${staging}" >/dev/null
  started="${EPOCHREALTIME}"
  CHROMA_STOPPED=1
  dk stop -t 30 "${CHROMA_CONTAINER}" >/dev/null
  err="$(chroma_helper root-read "${CHROMA_VOLUME}:/data:ro" "${CHROMA_IMAGE}" cp -a /data/. /staging/ 2>&1)" || {
    chroma_restart
    fail "copying the ChromaDB volume ${CHROMA_VOLUME} failed: $(tail -n 2 <<<"${err}")"
  }
  chroma_restart
  CHROMA_DOWN_SECONDS="$(seconds_since "${started}")"
  chroma_start "${probe}" "${CHROMA_IMAGE}" "${staging}"
  chroma_stats "${probe}" || fail "reading the counts of the copy of ${CHROMA_VOLUME} failed."
  CHROMA_STATS="${CHROMA_STATS_OUT}"
  dk stop -t 30 "${probe}" >/dev/null
  dk rm -f "${probe}" >/dev/null
  if ! err="$(chroma_helper chroma "${staging}:/data:ro" "${CHROMA_IMAGE}" tar -C /data -cf - . 2>&1 >"${file}")"; then
    fail "archiving the copy of ${CHROMA_VOLUME} failed: $(no_space_hint "${BACKUP_DIR}" "${err}")"
  fi
  dk volume rm -f "${staging}" >/dev/null
}

# Starts the live container again after chroma_copy or a restore stopped it.
chroma_restart() {
  [[ "${CHROMA_STOPPED:-0}" == 1 ]] || return 0
  dk start "${CHROMA_CONTAINER}" >/dev/null || fail "ChromaDB container ${CHROMA_CONTAINER:0:12} did not start again: docker start ${CHROMA_CONTAINER:0:12}."
  chroma_wait_ready "${CHROMA_CONTAINER}" 120
  CHROMA_STOPPED=0
}

# chroma_fill VOLUME IMAGE TARFILE: replaces the volume's content by the copy, owned by Chroma's uid.
# As root (the helper must own files for any uid), without a network.
chroma_fill() {
  local volume="$1" image="$2" file="$3"
  chroma_helper root "${volume}:/data" "${image}" find /data -mindepth 1 -delete &&
    chroma_helper root "${volume}:/data" "${image}" tar -C /data -xf - <"${file}" &&
    chroma_helper root "${volume}:/data" "${image}" chown -R "${CHROMA_UID}:${CHROMA_UID}" /data
}
