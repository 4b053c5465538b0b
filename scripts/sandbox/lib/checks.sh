#!/usr/bin/env bash
# One check per sandbox component, shared by `status` and the end of `up`.
# Sourced after common.sh, engine.sh, registry.sh and vps.sh.

host_image_present() { host_docker image inspect "$1" >/dev/null 2>&1; }
vps_images_present() {
  local tag
  for tag in "${LOOKALIKE_IMAGES[@]}"; do
    vps_docker image inspect "${tag}" >/dev/null 2>&1 || return 1
  done
}
compose_works() { docker compose version >/dev/null 2>&1; }
buildx_works() { docker buildx version >/dev/null 2>&1; }

# Prints "name<TAB>command args..." lines: the component list in display order.
check_list() {
  local tag addr
  printf '%s\t%s\n' "engine" "engine_answers" "compose" "compose_works" "buildx" "buildx_works"
  for tag in "${LOOKALIKE_IMAGES[@]}"; do
    printf '%s\t%s\n' "image ${tag}" "host_image_present ${tag}"
  done
  for addr in "${REGISTRY_ADDRS[@]}"; do
    printf '%s\t%s\n' "registry ${addr}:${REGISTRY_PORT}" "registry_answers ${addr}"
  done
  printf '%s\t%s\n' "vps netns ${NETNS}" "netns_present" "vps dockerd" "vps_engine_answers" \
    "vps base images" "vps_images_present" "vps sshd ${VPS_IP}:22" "vps_sshd_answers"
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
