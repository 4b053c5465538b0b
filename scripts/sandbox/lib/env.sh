#!/usr/bin/env bash
# Writes ${STATE}/env (sourceable) and ${STATE}/env.json: where tests and scripts find the sandbox.
# Paths only, never secret values. Sourced after common.sh, registry.sh and vps.sh.

env_pairs() {
  local pairs=(
    SLIPWAY_REGISTRY "127.0.0.1:${REGISTRY_PORT}"
    SLIPWAY_VPS_REGISTRY "${HOST_IP}:${REGISTRY_PORT}"
    SLIPWAY_REGISTRY_USER "${REGISTRY_USER}"
    SLIPWAY_REGISTRY_PASSWORD_FILE "$(registry_password_file)"
    SLIPWAY_REGISTRY_CA "$(registry_ca)"
    SLIPWAY_VPS_HOST "${VPS_IP}"
    SLIPWAY_VPS_PORT 22
    SLIPWAY_VPS_USER "${VPS_USER}"
    SLIPWAY_VPS_KEY "$(vps_key)"
    SLIPWAY_VPS_KNOWN_HOSTS "$(vps_known_hosts)"
    SLIPWAY_VPS_DOCKER_HOST "unix://${VPS_DOCKER_SOCK}"
    SLIPWAY_VPS_APP_DIR "${VPS_APP_DIR}"
    SLIPWAY_NETNS "${NETNS}"
  )
  printf '%s\n' "${pairs[@]}"
}

# Values are paths and addresses (no quotes or backslashes), so plain quoting is enough for both formats.
env_write() {
  local name value sep=""
  {
    echo "# Written by scripts/sandbox/up. Source it: . ${STATE}/env"
    while read -r name && read -r value; do
      printf "export %s='%s'\n" "${name}" "${value}"
    done < <(env_pairs)
  } >"${STATE}/env.tmp"
  {
    echo "{"
    while read -r name && read -r value; do
      printf '%s  "%s": "%s"' "${sep}" "${name}" "${value}"
      sep=$',\n'
    done < <(env_pairs)
    printf '\n}\n'
  } >"${STATE}/env.json.tmp"
  mv "${STATE}/env.tmp" "${STATE}/env"
  mv "${STATE}/env.json.tmp" "${STATE}/env.json"
}
