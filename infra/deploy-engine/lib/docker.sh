#!/usr/bin/env bash
# Docker and Compose as used by the engine: the shared networks, the long-lived infra project, the two app
# slots (compose projects slipway-blue / slipway-green) and their health. Every docker child runs with the
# lock descriptor closed, so a killed engine never leaves the lock held by a child. Sourced by bin/slipway.
# shellcheck disable=SC2034 # globals shared with the other engine files

readonly INFRA_PROJECT="slipway-infra"
readonly NETWORK_EDGE="slipway-edge"
readonly NETWORK_BACKEND="slipway-backend"
SLOT_STOP_TIMEOUT="${SLIPWAY_STOP_TIMEOUT:-30}"
# How long the proxy gets to notice a slot that joined or left rotation: two of its 500 ms health intervals.
PROXY_SETTLE="${SLIPWAY_PROXY_SETTLE:-1}"

dk() { docker "$@" 9>&-; }

# compose PROJECT FILE ENV-ASSIGNMENTS... -- COMPOSE-ARGS...
compose() {
  local project="$1" file="$2" envs=()
  shift 2
  while (($#)) && [[ "$1" != "--" ]]; do envs+=("$1"); shift; done
  shift
  local files=(-f "${file}")
  if [[ -f "${SHARED_DIR}/.env" ]]; then files+=(--env-file "${SHARED_DIR}/.env"); fi
  env "SLIPWAY_SHARED_DIR=${SHARED_DIR}" "SLIPWAY_ROTATION_DIR=${STATE_DIR}/rotation" "${envs[@]}" \
    docker compose -p "${project}" "${files[@]}" "$@" 9>&-
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

# Rotation: whether the proxy may send a slot requests. The engine owns it as one file per slot,
# state/rotation/<slot>/state (`in` or `out`), mounted read-only into the slot's api, whose rotation port (the
# proxy's active health check) answers 200 only while it says `in` (service/src/rotation.ts). A file outlives a
# container restart, so a slot parked out of rotation stays out after an OOM kill or a Docker restart.
rotation_get() {
  local file="${STATE_DIR}/rotation/$1/state"
  if [[ -s "${file}" ]]; then tr -d '[:space:]' <"${file}"; else echo out; fi
}

# Written through a temporary file and rename(2), with as few processes as possible: it sits on the path of a
# warm rollback, which the proxy follows within one health interval.
rotation_set() {
  local dir="${STATE_DIR}/rotation/$1"
  [[ -d "${dir}" ]] || install -d -m 0755 "${dir}"
  printf '%s\n' "$2" >"${dir}/.state.$$"
  mv -f "${dir}/.state.$$" "${dir}/state"
}

# Takes SLOT out of rotation (waiting for the proxy to notice when it was in), then stops it gracefully (the api
# finishes what it has in flight) and removes its containers.
slot_down() {
  local slot="$1" timeout="${2:-${SLOT_STOP_TIMEOUT}}" ids=()
  mapfile -t ids < <(slot_containers "${slot}")
  if [[ "$(rotation_get "${slot}")" == in ]]; then
    rotation_set "${slot}" out
    if ((${#ids[@]})); then
      log "took slot ${slot} out of rotation; waiting ${PROXY_SETTLE}s for the proxy to notice"
      pause "${PROXY_SETTLE}"
    fi
  fi
  ((${#ids[@]})) || return 0
  log "stopping slot ${slot} (${#ids[@]} container(s), up to ${timeout}s to finish requests)"
  dk stop -t "${timeout}" "${ids[@]}" >/dev/null
  dk rm -f "${ids[@]}" >/dev/null
}

# The release parked warm in the slot that is not live (out of rotation, for a fast rollback), if its api still
# runs there: "<slot> <release>"; empty otherwise.
standby() {
  local live="$1" release slot
  [[ -s "${STATE_DIR}/standby" ]] || return 0
  release="$(cat "${STATE_DIR}/standby")"
  slot="$(other_slot "${live:-green}")"
  if [[ -n "${live}" && -n "$(slot_api "${slot}" "${release}")" ]]; then echo "${slot} ${release}"; fi
}

# slot_up SLOT RELEASE: starts the release's api in SLOT from images already on this host.
slot_up() {
  local slot="$1" release="$2" envs=()
  mapfile -t envs < <(release_env "${release}" "${slot}")
  log "starting ${release} in slot ${slot} (out of rotation until it is healthy)"
  rotation_set "${slot}" out
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

# wait_healthy SLOT RELEASE TIMEOUT: 0 once the api passes its health check; 1 when it is unhealthy,
# crash-loops or the timeout passes. Besides reading Docker's verdict, the engine runs the container's own health
# test every 250 ms while the slot starts: Docker 20.10 runs it only every `interval` (no start_interval), which
# would add up to a whole interval to every deploy and rollback for no extra safety.
wait_healthy() {
  local slot="$1" release="$2" timeout="$3" deadline id status restarts
  deadline=$((SECONDS + timeout))
  while ((SECONDS < deadline)); do
    id="$(dk ps -aq --filter "label=com.docker.compose.project=slipway-${slot}" \
      --filter "label=com.docker.compose.service=api" | head -n1)"
    if [[ -n "${id}" ]]; then
      status="$(dk inspect -f '{{if .State.Health}}{{.State.Health.Status}}{{else}}none{{end}} {{.State.Running}}' "${id}")"
      restarts="$(dk inspect -f '{{.RestartCount}}' "${id}")"
      case "${status}" in
        healthy*) return 0 ;;
        unhealthy*) log "slot ${slot}: Docker reports ${release} unhealthy"; return 1 ;;
        none*) log "slot ${slot}: the api has no healthcheck; refusing to switch blind"; return 1 ;;
        *true) if health_test "${id}"; then return 0; fi ;;
      esac
      if ((restarts >= 3)); then log "slot ${slot}: the api restarted ${restarts} times"; return 1; fi
    fi
    pause 0.25
  done
  log "slot ${slot}: ${release} not healthy after ${timeout}s"
  return 1
}

# Runs container ID's own health test (CMD or CMD-SHELL, from its configuration) once, bounded by its timeout.
health_test() {
  local id="$1" check test=() seconds
  check="$(dk inspect -f '{{json .Config.Healthcheck}}' "${id}")"
  mapfile -t test < <(jq -r '.Test // [] | if .[0] == "CMD" then .[1:][] elif .[0] == "CMD-SHELL" then "sh", "-c", .[1]
    else empty end' <<<"${check}")
  ((${#test[@]})) || return 1
  # Docker keeps durations in nanoseconds; 30 s is its default timeout.
  seconds="$(jq -r '((.Timeout // 0) / 1e9 | ceil) | if . > 0 then . else 30 end' <<<"${check}")"
  timeout "${seconds}" docker exec "${id}" "${test[@]}" >/dev/null 2>&1 9>&-
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
