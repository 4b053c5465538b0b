#!/usr/bin/env bash
# Writes ${STATE}/env (sourceable) and ${STATE}/env.json: where tests and scripts find the sandbox.
# Paths and addresses only, never secret values. Sourced after common.sh, registry.sh, aptproxy.sh and hosts.sh.

# SLIPWAY_HOST_<NAME>_<FIELD> for one host.
host_env_pairs() {
  local name="$1" prefix
  prefix="SLIPWAY_HOST_${name^^}"
  printf '%s\n' "${prefix}_ADDR" "$(host_addr "${name}")" \
    "${prefix}_KNOWN_HOSTS" "$(host_known_hosts "${name}")" \
    "${prefix}_CONSOLE" "$(host_container "${name}")"
}

env_pairs() {
  local hosts=() name
  mapfile -t hosts < <(hosts_list)
  printf '%s\n' \
    SLIPWAY_REGISTRY "127.0.0.1:${REGISTRY_PORT}" \
    SLIPWAY_VPS_REGISTRY "${HOSTS_GATEWAY}:${REGISTRY_PORT}" \
    SLIPWAY_REGISTRY_USER "${REGISTRY_USER}" \
    SLIPWAY_REGISTRY_PASSWORD_FILE "$(registry_password_file)" \
    SLIPWAY_REGISTRY_CA "$(registry_ca)" \
    SLIPWAY_REGISTRY_MIRROR "https://${HOSTS_GATEWAY}:${MIRROR_PORT}" \
    SLIPWAY_APT_PROXY "$(apt_proxy_url)" \
    SLIPWAY_HOSTS_NETWORK "${HOSTS_NETWORK}" \
    SLIPWAY_HOSTS "${hosts[*]}" \
    SLIPWAY_HOSTS_ROOT_KEY "$(hosts_root_key)" \
    SLIPWAY_HOSTS_DEPLOY_KEY "$(hosts_deploy_key)"
  for name in "${hosts[@]}"; do host_env_pairs "${name}"; done
  # The VPS the rehearsal and the deploy tests deploy to, as the deploy user.
  if [[ " ${hosts[*]} " == *" ${VPS_NAME} "* ]]; then
    printf '%s\n' \
      SLIPWAY_VPS_NAME "${VPS_NAME}" \
      SLIPWAY_VPS_HOST "$(host_addr "${VPS_NAME}")" \
      SLIPWAY_VPS_PORT 22 \
      SLIPWAY_VPS_USER deploy \
      SLIPWAY_VPS_KEY "$(hosts_deploy_key)" \
      SLIPWAY_VPS_KNOWN_HOSTS "$(host_known_hosts "${VPS_NAME}")" \
      SLIPWAY_VPS_CONSOLE "$(host_container "${VPS_NAME}")" \
      SLIPWAY_VPS_APP_DIR "${VPS_APP_DIR}"
  fi
}

# Values are paths and addresses (no quotes or backslashes), so plain quoting is enough for both formats.
env_write() {
  local name value sep=""
  {
    echo "# Written by scripts/sandbox/up and scripts/sandbox/host. Source it: . ${STATE}/env"
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
