#!/usr/bin/env bash
# Docker and Compose as used by the engine: the shared networks, the long-lived infra project, the two app
# slots (compose projects slipway-blue / slipway-green) and their health. Every docker child runs with the
# lock descriptor closed, so a killed engine never leaves the lock held by a child. Sourced by bin/slipway.
# shellcheck disable=SC2034 # globals shared with the other engine files

readonly INFRA_PROJECT="slipway-infra"
readonly NETWORK_EDGE="slipway-edge"
readonly NETWORK_BACKEND="slipway-backend"
SLOT_STOP_TIMEOUT="${SLIPWAY_STOP_TIMEOUT:-30}"
PROXY_SETTLE="${SLIPWAY_PROXY_SETTLE:-2}"

dk() { docker "$@" 9>&-; }

# compose PROJECT FILE ENV-ASSIGNMENTS... -- COMPOSE-ARGS...
compose() {
  local project="$1" file="$2" envs=()
  shift 2
  while (($#)) && [[ "$1" != "--" ]]; do envs+=("$1"); shift; done
  shift
  local files=(-f "${file}")
  if [[ -f "${SHARED_DIR}/.env" ]]; then files+=(--env-file "${SHARED_DIR}/.env"); fi
  env "SLIPWAY_SHARED_DIR=${SHARED_DIR}" "${envs[@]}" docker compose -p "${project}" "${files[@]}" "$@" 9>&-
}

other_slot() { if [[ "$1" == "blue" ]]; then echo green; else echo blue; fi; }

slot_containers() { dk ps -aq --filter "label=com.docker.compose.project=slipway-$1"; }

# The api container of SLOT running RELEASE (empty when none).
slot_api() {
  dk ps -q --filter "label=com.docker.compose.project=slipway-$1" \
    --filter "label=com.docker.compose.service=api" --filter "label=org.slipway.release=$2" | head -n1
}

# The slot whose running api carries the live release id; empty when nothing is live.
live_slot() {
  local current="$1" slot
  [[ -n "${current}" ]] || return 0
  for slot in blue green; do
    if [[ -n "$(slot_api "${slot}" "${current}")" ]]; then echo "${slot}"; return 0; fi
  done
}

# Takes SLOT out of rotation, then stops it gracefully and removes its containers: the gate answers 503 to
# Caddy's health check (SIGUSR1), Caddy stops sending new requests within a health interval, and only then
# does the api get SIGTERM (it finishes what it has in flight). The gate, owner of the network, goes last.
slot_down() {
  local slot="$1" timeout="${2:-${SLOT_STOP_TIMEOUT}}" ids=() gates=() apis=()
  mapfile -t ids < <(slot_containers "${slot}")
  ((${#ids[@]})) || return 0
  mapfile -t gates < <(slot_service "${slot}" gate)
  mapfile -t apis < <(slot_service "${slot}" api)
  if ((${#gates[@]})); then
    log "taking slot ${slot} out of rotation; waiting ${PROXY_SETTLE}s for the proxy to notice"
    dk kill -s USR1 "${gates[@]}" >/dev/null || true
    pause "${PROXY_SETTLE}"
  fi
  log "stopping slot ${slot} (${#ids[@]} container(s), up to ${timeout}s to finish requests)"
  if ((${#apis[@]})); then dk stop -t "${timeout}" "${apis[@]}" >/dev/null; fi
  dk stop -t "${timeout}" "${ids[@]}" >/dev/null
  dk rm -f "${ids[@]}" >/dev/null
}

# Running containers of one compose service in SLOT.
slot_service() {
  dk ps -q --filter "label=com.docker.compose.project=slipway-$1" --filter "label=com.docker.compose.service=$2"
}

# slot_up SLOT RELEASE: starts the release's api in SLOT from images already on this host.
slot_up() {
  local slot="$1" release="$2" envs=()
  mapfile -t envs < <(release_env "${release}" "${slot}")
  log "starting ${release} in slot ${slot}"
  compose "slipway-${slot}" "${RELEASES_DIR}/${release}/compose.yaml" "${envs[@]}" -- \
    --profile app up -d --no-build --pull never api >&2
}

# slot_migrate SLOT RELEASE: runs the release's one-shot `migrate` service when the compose file has one.
# Prints its output (the caller keeps it for the failure detail).
slot_migrate() {
  local slot="$1" release="$2" envs=() file="${RELEASES_DIR}/$2/compose.yaml"
  mapfile -t envs < <(release_env "${release}" "${slot}")
  compose "slipway-${slot}" "${file}" "${envs[@]}" -- --profile migrate config --services 2>/dev/null |
    grep -qx migrate || return 0
  log "running the migrate service of ${release}"
  compose "slipway-${slot}" "${file}" "${envs[@]}" -- --profile migrate run --rm --no-deps migrate 2>&1
}

# wait_healthy SLOT RELEASE TIMEOUT: 0 once Docker reports the api healthy; 1 when it is unhealthy,
# crash-loops or the timeout passes.
wait_healthy() {
  local slot="$1" release="$2" timeout="$3" deadline id status restarts
  deadline=$((SECONDS + timeout))
  while ((SECONDS < deadline)); do
    id="$(dk ps -aq --filter "label=com.docker.compose.project=slipway-${slot}" \
      --filter "label=com.docker.compose.service=api" | head -n1)"
    if [[ -n "${id}" ]]; then
      status="$(dk inspect -f '{{if .State.Health}}{{.State.Health.Status}}{{else}}none{{end}}' "${id}")"
      restarts="$(dk inspect -f '{{.RestartCount}}' "${id}")"
      case "${status}" in
        healthy) return 0 ;;
        unhealthy) log "slot ${slot}: Docker reports ${release} unhealthy"; return 1 ;;
        none) log "slot ${slot}: the api has no healthcheck; refusing to switch blind"; return 1 ;;
      esac
      if ((restarts >= 3)); then log "slot ${slot}: the api restarted ${restarts} times"; return 1; fi
    fi
    pause 1
  done
  log "slot ${slot}: ${release} not healthy after ${timeout}s"
  return 1
}

# What an operator needs to see when a release is refused: the health log and the last container logs.
slot_diagnostics() {
  local id
  id="$(dk ps -aq --filter "label=com.docker.compose.project=slipway-$1" \
    --filter "label=com.docker.compose.service=api" | head -n1)"
  [[ -n "${id}" ]] || { echo "no api container was created"; return 0; }
  echo "state: $(dk inspect -f '{{.State.Status}} exit={{.State.ExitCode}} restarts={{.RestartCount}}' "${id}")"
  echo "health log:"
  dk inspect -f '{{if .State.Health}}{{range .State.Health.Log}}{{.ExitCode}}: {{.Output}}{{end}}{{end}}' "${id}" |
    sed '/^$/d' | tail -n 10
  echo "last container logs:"
  dk logs --tail 20 "${id}" 2>&1 | tail -n 20
}

ensure_networks() {
  dk network inspect "${NETWORK_EDGE}" >/dev/null 2>&1 || dk network create "${NETWORK_EDGE}" >/dev/null
  dk network inspect "${NETWORK_BACKEND}" >/dev/null 2>&1 ||
    dk network create --internal "${NETWORK_BACKEND}" >/dev/null
}

# Generated once, kept across releases in shared/secrets (0700); containers read the file by bind mount.
ensure_secrets() {
  local file="${SHARED_DIR}/secrets/db_password"
  install -d -m 0700 "${SHARED_DIR}/secrets"
  [[ -s "${file}" ]] && return 0
  log "generating ${file}"
  (umask 022 && head -c 32 /dev/urandom | base64 | tr -d '/+=\n' >"${file}")
}

# The infra project (postgres, chroma, proxy) is installed from the first release and then only started
# when down (--no-recreate): deploys never restart the databases or reload Caddy. docs/DEPLOY.md says how to
# change it deliberately. Its images are upstream ones named by tag in compose.yaml, except chroma when the
# release pins it by digest (images.json "chroma"), which is kept in infra/.env.
infra_up() {
  local release="$1" src="${RELEASES_DIR}/$1"
  ensure_networks
  ensure_secrets
  if [[ ! -f "${INFRA_DIR}/compose.yaml" ]]; then
    [[ -f "${src}/Caddyfile" ]] || fail "release ${release} has no Caddyfile; the first deploy installs the proxy from it."
    log "installing the infra project from release ${release}"
    mkdir -p "${INFRA_DIR}"
    cp "${src}/Caddyfile" "${INFRA_DIR}/Caddyfile"
    cp "${src}/compose.yaml" "${INFRA_DIR}/compose.yaml"
    release_env "${release}" blue | grep -E '^SLIPWAY_CHROMA_IMAGE=' >"${INFRA_DIR}/.env" || true
  fi
  local envs=()
  mapfile -t envs <"${INFRA_DIR}/.env"
  compose "${INFRA_PROJECT}" "${INFRA_DIR}/compose.yaml" "${envs[@]}" -- \
    --profile infra up -d --no-recreate --no-build --pull missing --wait >&2 ||
    fail "the infra project (${INFRA_PROJECT}) did not come up healthy. See: docker compose -p ${INFRA_PROJECT} ps"
}
