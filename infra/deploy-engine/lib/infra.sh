#!/usr/bin/env bash
# The long-lived infra project (postgres, the vector store, the proxy): installed by the first deploy, then
# kept in step with the release being switched to. When a release's infra services (image, settings) or its
# proxy config differ from what runs, the engine upgrades them here, before the release's slot starts:
#   1. checks first, changing nothing: a PostgreSQL major version change is refused (its data directory needs
#      a dump and restore, not a container swap); a new Caddyfile must pass `caddy validate`;
#   2. backs up: the database (a pg_dump, or <app-dir>/hooks/backup-db) and the infra files (infra/history);
#   3. replaces each changed service (database, then vector store, then proxy) and waits for it to be healthy;
#      a proxy whose only change is its Caddyfile is reloaded in place instead;
#   4. gates on health: every infra service and the live release healthy;
#   5. on failure restores the previous definition and fails the deploy: the previous release keeps serving.
# Each upgrade is an `infra` op in the ledger. Sourced by bin/slipway.
# shellcheck disable=SC2034 # globals shared with the other engine files

INFRA_HISTORY_KEEP=5

infra_compose() {
  local file="$1" env_file="$2" envs=()
  shift 2
  mapfile -t envs <"${env_file}"
  compose "${INFRA_PROJECT}" "${file}" "${envs[@]}" -- --project-directory "${INFRA_DIR}" "$@"
}

# KEY=VALUE lines of the infra project's environment for RELEASE: the installed one, with the release's images
# of services other than the api (e.g. a "vectors" image) taking their place. The api image an infra service
# may fall back to stays the installed one, so an api release never restarts an infra service.
infra_candidate_env() {
  local release="$1"
  {
    if [[ -f "${INFRA_DIR}/.env" ]]; then cat "${INFRA_DIR}/.env"; fi
    release_env "${release}" blue | grep -E '^SLIPWAY_[A-Z0-9_]+_IMAGE=' |
      if [[ -f "${INFRA_DIR}/.env" ]]; then grep -v '^SLIPWAY_API_IMAGE=' || true; else cat; fi
  } | awk -F= '{ if (!($1 in seen)) order[n++] = $1; seen[$1] = $0 } END { for (i = 0; i < n; i++) print seen[order[i]] }'
}

# The infra services of FILE with ENV-FILE as compose resolves them: {"<service>": {...}}, canonical JSON.
infra_render() {
  infra_compose "$1" "$2" --profile infra config --format json 2>/dev/null |
    jq -S -c '.services | with_entries(select((.value.profiles // []) | index("infra")))'
}

# The one container of an infra service ('' when none).
infra_container() {
  dk ps -aq --filter "label=com.docker.compose.project=${INFRA_PROJECT}" \
    --filter "label=com.docker.compose.service=$1" | head -n1
}

infra_install() {
  local release="$1" src="${RELEASES_DIR}/$1"
  [[ -f "${src}/Caddyfile" ]] || fail "release ${release} has no Caddyfile; the first deploy installs the proxy from it."
  log "installing the infra project from release ${release}"
  mkdir -p "${INFRA_DIR}/caddy"
  infra_candidate_env "${release}" >"${INFRA_DIR}/.env.next"
  write_atomic "${INFRA_DIR}/caddy/Caddyfile" <"${src}/Caddyfile"
  write_atomic "${INFRA_DIR}/compose.yaml" <"${src}/compose.yaml"
  mv -f "${INFRA_DIR}/.env.next" "${INFRA_DIR}/.env"
  rm -f "${INFRA_DIR}/services.json"
}

# Starts what is not running, unless everything already runs healthy (no compose run: a rollback's fast path).
# Returns 1 when the project does not come up healthy.
infra_ensure() {
  local want have
  want="$(infra_services_json)"
  have="$(live_containers_json "" | jq -c "${JQ_UP}"'[.[] | select(up and .health != "unhealthy"
    and .health != "starting") | .service] | unique')"
  if jq -e --argjson h "${have}" '. - $h | length == 0' <<<"${want}" >/dev/null; then return 0; fi
  infra_compose "${INFRA_DIR}/compose.yaml" "${INFRA_DIR}/.env" --profile infra up -d --no-recreate --no-build \
    --pull missing --wait >&2
}

infra_start() {
  infra_ensure ||
    fail "the infra project (${INFRA_PROJECT}) did not come up healthy. See: docker compose -p ${INFRA_PROJECT} ps"
}

# infra_sync RELEASE: installs the infra project, or upgrades it to RELEASE's definition, then starts it.
infra_sync() {
  local release="$1" src="${RELEASES_DIR}/$1" old new changed proxy_config=false
  ensure_networks
  ensure_secrets
  if [[ ! -f "${INFRA_DIR}/compose.yaml" ]]; then
    infra_install "${release}"
    infra_start
    return 0
  fi
  infra_candidate_env "${release}" >"${INFRA_DIR}/.env.next"
  if [[ -f "${src}/Caddyfile" ]] && ! cmp -s "${src}/Caddyfile" "${INFRA_DIR}/caddy/Caddyfile"; then proxy_config=true; fi
  # The common case (same compose file, same proxy config, same infra images) needs no compose run at all.
  if [[ "${proxy_config}" == false ]] && cmp -s "${src}/compose.yaml" "${INFRA_DIR}/compose.yaml" &&
    cmp -s "${INFRA_DIR}/.env.next" "${INFRA_DIR}/.env"; then
    rm -f "${INFRA_DIR}/.env.next"
    infra_start
    return 0
  fi
  old="$(infra_render "${INFRA_DIR}/compose.yaml" "${INFRA_DIR}/.env")"
  new="$(infra_render "${src}/compose.yaml" "${INFRA_DIR}/.env.next")"
  [[ -n "${new}" && "${new}" != "{}" ]] || fail "release ${release}: its compose file defines no infra services."
  changed="$(jq -nc --argjson o "${old}" --argjson n "${new}" \
    '[$n | keys[] as $k | select($o[$k] != $n[$k]) | $k]')"
  if [[ "${changed}" == "[]" && "${proxy_config}" == false ]]; then
    # Only app services changed in the compose file: keep it, so the next comparison is the fast one.
    write_atomic "${INFRA_DIR}/compose.yaml" <"${src}/compose.yaml"
    mv -f "${INFRA_DIR}/.env.next" "${INFRA_DIR}/.env"
    jq -c 'keys' <<<"${new}" | write_atomic "${INFRA_DIR}/services.json"
    infra_start
    return 0
  fi
  infra_upgrade "${release}" "${old}" "${new}" "${changed}" "${proxy_config}"
}

# The order services are replaced in: the database first, the proxy last (it is what clients see).
infra_order() {
  jq -r --argjson n "$1" '.[] | [., ($n[.].labels["org.slipway.role"] // "")] |
    [(if .[1] == "database" then 0 elif .[1] == "proxy" then 2 else 1 end), .[0]] | @tsv' <<<"$2" |
    sort -n | cut -f2
}

# Refuses a change that cannot be a container swap, before anything changes.
infra_check() {
  local release="$1" new="$2" changed="$3" proxy_config="$4" service role image id data major
  for service in $(jq -r '.[]' <<<"${changed}"); do
    role="$(jq -r --arg s "${service}" '.[$s].labels["org.slipway.role"] // ""' <<<"${new}")"
    image="$(jq -r --arg s "${service}" '.[$s].image' <<<"${new}")"
    if ! dk image inspect "${image}" >/dev/null 2>&1; then
      log "pulling ${image} for ${service}"
      dk pull -q "${image}" >&2 || fail "release ${release}: image ${image} of ${service} is not on this host and cannot be pulled."
    fi
    [[ "${role}" == database ]] || continue
    id="$(infra_container "${service}")"
    [[ -n "${id}" ]] || continue
    # shellcheck disable=SC2016 # expanded by the shell inside the container
    data="$(dk exec -u "$(db_user "${id}")" "${id}" sh -c 'cat "${PGDATA:-/var/lib/postgresql/data}/PG_VERSION"' \
      2>/dev/null || true)"
    major="$(dk image inspect -f '{{range .Config.Env}}{{println .}}{{end}}' "${image}" | sed -n 's/^PG_MAJOR=//p')"
    if [[ -z "${data}" || -z "${major}" ]]; then
      fail "release ${release}: cannot tell the PostgreSQL major version of the data (${data:-unknown}) or of ${image} (${major:-no PG_MAJOR}). Refusing to upgrade ${service} blind."
    fi
    if [[ "${data}" != "${major}" ]]; then
      fail "release ${release} changes PostgreSQL ${data} to ${major}: a major upgrade is not a container swap (the data directory must be dumped and restored, with the site down meanwhile). Nothing was changed. See docs/RUNBOOK.md, \"PostgreSQL major upgrade\"."
    fi
  done
  if [[ "${proxy_config}" == true ]]; then
    local proxy_image probe
    proxy_image="$(jq -r '[.[] | select(.labels["org.slipway.role"] == "proxy") | .image][0] // empty' <<<"${new}")"
    [[ -n "${proxy_image}" ]] || fail "release ${release} has a Caddyfile but no service labelled org.slipway.role=proxy."
    probe="$(dk run --rm --network none -v "${RELEASES_DIR}/${release}/Caddyfile:/tmp/Caddyfile:ro" \
      --entrypoint caddy "${proxy_image}" validate --config /tmp/Caddyfile --adapter caddyfile 2>&1)" ||
      fail "release ${release}: its Caddyfile does not validate; nothing was changed." "$(tail -n 3 <<<"${probe}")"
  fi
}

# The uid the database server runs as (it owns the data directory; the container's root may not read it).
db_user() { dk exec "$1" stat -c %u /proc/1; }

# Backs up the database before it is replaced: <app-dir>/hooks/backup-db when installed (infra/scripts/
# backup-db.sh), else a pg_dump into <app-dir>/backups. Prints the backup's path.
backup_database() {
  local release="$1" service="$2" id dir file
  if [[ -x "${APP_DIR}/hooks/backup-db" ]]; then
    SLIPWAY_BACKUP_REASON="infra upgrade for ${release}" "${APP_DIR}/hooks/backup-db" 9>&- | tail -n 1
    return "${PIPESTATUS[0]}"
  fi
  id="$(infra_container "${service}")"
  [[ -n "${id}" ]] || { echo "none (no ${service} container)"; return 0; }
  dir="${APP_DIR}/backups"
  install -d -m 0700 "${dir}"
  file="${dir}/$(date -u +%Y%m%dT%H%M%SZ)-before-${release}-${service}.dump"
  # shellcheck disable=SC2016 # expanded by the shell inside the container
  (umask 077 && dk exec -u "$(db_user "${id}")" "${id}" sh -c 'pg_dump -Fc -U "${POSTGRES_USER:-postgres}" "${POSTGRES_DB:-postgres}"' \
    >"${file}.partial") || return 1
  [[ -s "${file}.partial" ]] || return 1
  mv "${file}.partial" "${file}"
  printf '%s\n' "${file}"
}

# infra_upgrade RELEASE OLD NEW CHANGED PROXY-CONFIG (see the top of this file).
infra_upgrade() {
  local release="$1" old="$2" new="$3" changed="$4" proxy_config="$5" src="${RELEASES_DIR}/$1"
  local started="${SECONDS}" service role backup="" history detail reloaded=false
  infra_check "${release}" "${new}" "${changed}" "${proxy_config}"
  local outer=("${OP_ID:-}" "${OP_ENTRY:-}" "${OP_RELEASE:-}" "${OP_PREVIOUS:-}")
  ledger_open infra "${release}" "" "" "$(release_images "${release}")" "$(release_field "${release}" gitSha)" \
    "$(jq -nc --argjson c "${changed}" --argjson p "${proxy_config}" '{services: $c, proxyConfig: $p}')"
  log "upgrading infra for ${release}: services $(jq -r 'join(", ") | if . == "" then "none" else . end' <<<"${changed}"), proxy config changed: ${proxy_config}"
  for service in $(jq -r '.[]' <<<"${changed}"); do
    role="$(jq -r --arg s "${service}" '.[$s].labels["org.slipway.role"] // ""' <<<"${new}")"
    if [[ "${role}" == database ]]; then
      log "backing up ${service} before replacing it"
      backup="$(backup_database "${release}" "${service}")" ||
        infra_fail "${outer[@]}" "the backup of ${service} failed; nothing was changed."
      log "backup: ${backup}"
    fi
  done
  history="${INFRA_DIR}/history/$(date -u +%Y%m%dT%H%M%SZ)-before-${release}"
  mkdir -p "${history}"
  cp -a "${INFRA_DIR}/compose.yaml" "${INFRA_DIR}/.env" "${INFRA_DIR}/caddy" "${history}/"
  find "${INFRA_DIR}/history" -mindepth 1 -maxdepth 1 -type d | sort | head -n "-${INFRA_HISTORY_KEEP}" |
    xargs -r rm -rf
  write_atomic "${INFRA_DIR}/compose.yaml" <"${src}/compose.yaml"
  mv -f "${INFRA_DIR}/.env.next" "${INFRA_DIR}/.env"
  jq -c 'keys' <<<"${new}" | write_atomic "${INFRA_DIR}/services.json"
  if [[ -f "${src}/Caddyfile" ]]; then write_atomic "${INFRA_DIR}/caddy/Caddyfile" <"${src}/Caddyfile"; fi
  if ! detail="$(infra_apply "${new}" "${changed}" "${proxy_config}" 2>&1)"; then
    log "the infra upgrade failed; restoring the previous definition"
    cp -a "${history}/compose.yaml" "${history}/.env" "${INFRA_DIR}/"
    jq -c 'keys' <<<"${old}" | write_atomic "${INFRA_DIR}/services.json"
    rm -rf "${INFRA_DIR}/caddy" && cp -a "${history}/caddy" "${INFRA_DIR}/caddy"
    if infra_apply "${old}" "${changed}" "${proxy_config}" >&2; then
      infra_fail "${outer[@]}" "the infra upgrade for ${release} failed; the previous infra was restored and ${outer[3]:-the live release} keeps serving." "${detail}"
    fi
    infra_fail "${outer[@]}" "the infra upgrade for ${release} failed and restoring the previous infra failed too: an operator is needed (docs/RUNBOOK.md, \"Infra upgrade failed\"; backup: ${backup:-none})." "${detail}"
  fi
  [[ "${detail}" == *"reloaded the proxy"* ]] && reloaded=true
  ledger_close succeeded "" "$(jq -nc --arg b "${backup}" --argjson r "${reloaded}" --argjson s $((SECONDS - started)) \
    '{backup: $b, proxyReloaded: $r, seconds: $s}')"
  OP_ID="${outer[0]}" OP_ENTRY="${outer[1]}" OP_RELEASE="${outer[2]}" OP_PREVIOUS="${outer[3]}"
  printf '%s\n' "${detail}" >&2
  log "infra upgraded for ${release} in $((SECONDS - started))s"
}

# Closes the infra op as failed, gives the ledger back the op it interrupted (the deploy), and fails that.
infra_fail() {
  local message="$5" detail="${6:-}"
  ledger_close failed "${message}"
  OP_ID="$1" OP_ENTRY="$2" OP_RELEASE="$3" OP_PREVIOUS="$4"
  fail "${message}" "${detail}"
}

# Brings the infra project to the definition in infra/ (NEW is that definition, rendered): replaces CHANGED
# services one at a time and waits for each to be healthy; reloads the proxy's config in place when that is
# its only change. Then every infra service and the live release must be healthy.
infra_apply() {
  local new="$1" changed="$2" proxy_config="$3" service proxy id
  for service in $(infra_order "${new}" "${changed}"); do
    log "replacing ${service}"
    infra_compose "${INFRA_DIR}/compose.yaml" "${INFRA_DIR}/.env" --profile infra up -d --no-deps --no-build \
      --pull missing --wait --wait-timeout "${HEALTH_TIMEOUT}" "${service}" ||
      { echo "${service} did not become healthy within ${HEALTH_TIMEOUT}s"; return 1; }
  done
  proxy="$(jq -r '[to_entries[] | select(.value.labels["org.slipway.role"] == "proxy") | .key][0] // empty' <<<"${new}")"
  if [[ "${proxy_config}" == true && -n "${proxy}" ]] && ! jq -e --arg p "${proxy}" 'index($p)' <<<"${changed}" >/dev/null; then
    id="$(infra_container "${proxy}")"
    if dk exec "${id}" caddy reload --config /etc/caddy/Caddyfile --adapter caddyfile >/dev/null 2>&1; then
      echo "reloaded the proxy's config in place"
    else
      # A proxy running with its admin endpoint off cannot reload: replace it (its port is down a moment).
      echo "the proxy could not reload in place; replacing it"
      infra_compose "${INFRA_DIR}/compose.yaml" "${INFRA_DIR}/.env" --profile infra up -d --no-deps --no-build \
        --force-recreate --wait --wait-timeout "${HEALTH_TIMEOUT}" "${proxy}" ||
        { echo "${proxy} did not become healthy within ${HEALTH_TIMEOUT}s"; return 1; }
    fi
  fi
  local current report
  current="$(current_release)"
  [[ -n "${current}" ]] || return 0
  for _ in $(seq 1 "${HEALTH_TIMEOUT}"); do
    report="$(live_report "${current}")"
    [[ "$(jq -r '.health.status' <<<"${report}")" == ok ]] && return 0
    pause 1
  done
  echo "the live release ${current} is not healthy with the new infra: $(jq -r '.health.problems | join("; ")' <<<"${report}")"
  return 1
}
