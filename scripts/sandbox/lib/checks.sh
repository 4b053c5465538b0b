#!/usr/bin/env bash
# One check per sandbox component, shared by `status` and the end of `up`.
# Sourced after common.sh, engine.sh, registry.sh, aptproxy.sh, hosts.sh and bootstrap.sh.

host_image_present() { host_docker image inspect "$1" >/dev/null 2>&1; }
compose_works() { docker compose version >/dev/null 2>&1; }
buildx_works() { docker buildx version >/dev/null 2>&1; }
mirror_complete() {
  local tag
  for tag in "${BASE_IMAGES[@]}"; do
    docker_hub_name "${tag}" || continue
    mirror_has "${tag}" || return 1
  done
}
# Other hosts (scripts/sandbox/host list) are made on demand and are not part of what `up` promises.
host_up() { host_running "$1" && host_sshd_answers "$(host_addr "$1")"; }

# Prints "name<TAB>command args..." lines: the component list in display order.
check_list() {
  local tag addr
  printf '%s\t%s\n' "engine" "engine_answers" "compose" "compose_works" "buildx" "buildx_works"
  for tag in "${BASE_IMAGES[@]}"; do
    printf '%s\t%s\n' "image ${tag}" "host_image_present ${tag}"
  done
  printf '%s\t%s\n' "hosts network ${HOSTS_NETWORK}" "hosts_network_present"
  for addr in "${REGISTRY_ADDRS[@]}"; do
    printf '%s\t%s\n' "registry ${addr}:${REGISTRY_PORT}" "registry_answers ${addr}"
  done
  for addr in "${REGISTRY_ADDRS[@]}"; do
    printf '%s\t%s\n' "mirror ${addr}:${MIRROR_PORT}" "mirror_answers ${addr}"
  done
  printf '%s\t%s\n' "mirror has the base images" "mirror_complete" \
    "apt proxy ${HOSTS_GATEWAY}:${APT_PROXY_PORT}" "apt_proxy_answers" \
    "image $(host_image bookworm)" "host_image_present $(host_image bookworm)"
  printf '%s\t%s\n' "host ${VPS_NAME} $(host_addr "${VPS_NAME}")" "host_up ${VPS_NAME}"
  printf '%s\t%s\n' "${VPS_NAME} set up by setup-vps.sh" "vps_setup_done"
}

# Runs every check; prints one "name<TAB>up|down" line each; fails when any is down.
run_checks() {
  local name cmd rc=0 words
  while IFS=$'\t' read -r name cmd; do
    read -r -a words <<<"${cmd}"
    if "${words[@]}" >/dev/null 2>&1; then
      printf '%s\tup\n' "${name}"
    else
      printf '%s\tdown\n' "${name}"
      rc=1
    fi
  done < <(check_list)
  return "${rc}"
}
