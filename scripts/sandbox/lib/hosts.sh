#!/usr/bin/env bash
# Bare VPS hosts: each one a Debian system in a container of the host engine, with systemd as PID 1, sshd, one
# root-authorised bootstrap key, its own address on the ${HOSTS_NETWORK} network and its own /var/lib/docker
# volume, and nothing of Slipway until setup-vps.sh or Ansible makes it a Slipway host. Sourced after common.sh,
# images.sh, registry.sh and aptproxy.sh.

HOSTS_STATE="${STATE}/hosts"
readonly HOST_RELEASES=(bookworm trixie)
readonly HOST_NAME_RE='^vps([1-9][0-9]?)$'
# What a container needs to run systemd and, later, its own dockerd with bridges and nftables (measured:
# --privileged is refused here; these are enough). SYS_PTRACE: root must open the namespaces of another user's
# process, or `docker exec` (health checks) into a container running as non-root fails in setns.
readonly HOST_RUN_OPTS=(
  --cap-add SYS_ADMIN --cap-add NET_ADMIN --cap-add SYS_PTRACE
  --security-opt seccomp=unconfined --security-opt apparmor=unconfined
  --cgroupns=host -v /sys/fs/cgroup:/sys/fs/cgroup:rw
  --tmpfs /run --tmpfs /run/lock
  --sysctl net.ipv4.ip_forward=1
)

valid_host_name() {
  [[ "$1" =~ ${HOST_NAME_RE} ]] || die "host name '$1' is invalid: use vps1 … vps99."
}
host_index() { [[ "$1" =~ ${HOST_NAME_RE} ]] && printf '%s' "${BASH_REMATCH[1]}"; }
host_addr() { printf '10.201.0.%d' $((10 + $(host_index "$1"))); }
host_container() { printf 'slipway-%s' "$1"; }
host_volume() { printf 'slipway-%s-docker' "$1"; }
host_dir() { printf '%s/%s' "${HOSTS_STATE}" "$1"; }
host_known_hosts() { printf '%s/known_hosts' "$(host_dir "$1")"; }
hosts_root_key() { printf '%s/root_ed25519' "${HOSTS_STATE}"; }
hosts_deploy_key() { printf '%s/deploy_ed25519' "${HOSTS_STATE}"; }

# The hosts that exist (a state dir with a pinned host key), in name order.
hosts_list() {
  local dir
  [[ -d "${HOSTS_STATE}" ]] || return 0
  for dir in "${HOSTS_STATE}"/vps*/; do
    [[ -s "${dir}known_hosts" ]] && basename "${dir}"
  done | sort -V
}

hosts_network_present() { host_docker network inspect "${HOSTS_NETWORK}" >/dev/null 2>&1; }

hosts_network_up() {
  hosts_network_present && return 0
  host_docker network create --driver bridge --subnet "${HOSTS_SUBNET}" --gateway "${HOSTS_GATEWAY}" \
    -o "com.docker.network.bridge.name=${HOSTS_NETWORK}" "${HOSTS_NETWORK}" >/dev/null
}

# Keys made once and kept: the bootstrap key a provider authorises for root on every new server, and the deploy
# key setup-vps.sh authorises for the deploy user (the key CD holds).
hosts_keys() {
  need_commands ssh openssh-client ssh-keygen openssh-client
  mkdir -p "${HOSTS_STATE}"
  chmod 0700 "${HOSTS_STATE}"
  [[ -s "$(hosts_root_key)" ]] || ssh-keygen -q -t ed25519 -N '' -C slipway-sandbox-root -f "$(hosts_root_key)"
  [[ -s "$(hosts_deploy_key)" ]] || ssh-keygen -q -t ed25519 -N '' -C slipway-sandbox-deploy -f "$(hosts_deploy_key)"
  chmod 0600 "$(hosts_root_key)" "$(hosts_deploy_key)"
}

# The bare image of a Debian release (bookworm: Debian 12, the default; trixie: Debian 13).
host_image() { printf 'slipway/bare-vps:%s' "${1:-bookworm}"; }
valid_release() {
  [[ " ${HOST_RELEASES[*]} " == *" $1 "* ]] || die "release '$1' is not one of: ${HOST_RELEASES[*]}."
}
host_image_up() {
  local release="${1:-bookworm}"
  valid_release "${release}"
  image_debian "${release}"
  image_build_cached "$(host_image "${release}")" "${SANDBOX_DIR}/images/bare-vps" "RELEASE=${release}"
}
host_release() { host_docker inspect -f '{{index .Config.Labels "org.slipway.sandbox-release"}}' "$(host_container "$1")" 2>/dev/null; }

host_running() { [[ "$(host_docker inspect -f '{{.State.Running}}' "$(host_container "$1")" 2>/dev/null)" == true ]]; }
host_exists() { host_docker inspect "$(host_container "$1")" >/dev/null 2>&1; }

# systemd finished starting units; "degraded" is still booted (a unit failed), which setup then shows.
host_booted() {
  local booted
  booted="$(host_docker exec "$1" systemctl is-system-running 2>/dev/null)" || true
  [[ "${booted}" == running || "${booted}" == degraded ]]
}

host_sshd_answers() {
  timeout 2 bash -c "exec 3<>/dev/tcp/$1/22 && head -c 4 <&3 | grep -q SSH-" 2>/dev/null
}

# What a provider injects into a new server before its first boot: root's authorised key and the apt mirror.
host_seed() {
  local name="$1" seed
  seed="$(mktemp -d)"
  install -d -m 0700 "${seed}/root/.ssh"
  install -m 0600 "$(hosts_root_key).pub" "${seed}/root/.ssh/authorized_keys"
  install -d -m 0755 "${seed}/etc/apt/apt.conf.d"
  printf 'Acquire::http::Proxy "%s";\n' "$(apt_proxy_url)" >"${seed}/etc/apt/apt.conf.d/01proxy"
  chmod 0644 "${seed}/etc/apt/apt.conf.d/01proxy"
  tar -C "${seed}" --numeric-owner --owner=0 --group=0 -c . | host_docker cp - "$(host_container "${name}"):/"
  rm -rf "${seed}"
}

# Boots the container and waits for systemd and sshd; then pins the host key it generated on first boot,
# read through the console as an operator reads it from a provider's console or cloud-init output.
host_boot() {
  local name="$1" container addr
  container="$(host_container "${name}")"
  addr="$(host_addr "${name}")"
  host_running "${name}" || host_docker start "${container}" >/dev/null
  wait_for "systemd on ${name} (docker exec -it ${container} systemctl --failed shows what is wrong)" 90 \
    host_booted "${container}"
  wait_for "sshd on ${name} (${addr})" 30 host_sshd_answers "${addr}"
  mkdir -p "$(host_dir "${name}")"
  printf '%s %s\n' "${addr}" "$(host_docker exec "${container}" cut -d' ' -f1,2 /etc/ssh/ssh_host_ed25519_key.pub)" \
    >"$(host_known_hosts "${name}").tmp"
  mv "$(host_known_hosts "${name}").tmp" "$(host_known_hosts "${name}")"
}

# host_create NAME [RELEASE]: makes the host if it does not exist, starts it if it is stopped; a running host is
# left as it is.
host_create() {
  local name="$1" release="${2:-bookworm}"
  valid_host_name "${name}"
  valid_release "${release}"
  hosts_keys
  if ! host_exists "${name}"; then
    rm -rf "$(host_dir "${name}")"
    host_docker volume create "$(host_volume "${name}")" >/dev/null
    host_docker create --name "$(host_container "${name}")" --hostname "${name}" \
      --network "${HOSTS_NETWORK}" --ip "$(host_addr "${name}")" \
      --label org.slipway.sandbox-host="${name}" --label org.slipway.sandbox-release="${release}" \
      "${HOST_RUN_OPTS[@]}" -v "$(host_volume "${name}"):/var/lib/docker" "$(host_image "${release}")" >/dev/null
    host_seed "${name}"
  fi
  host_boot "${name}"
}

# The VPS-death drill's "the server is gone": the container, its Docker data and its pinned key.
host_destroy() {
  local name="$1"
  valid_host_name "${name}"
  host_docker rm -f "$(host_container "${name}")" >/dev/null 2>&1 || true
  host_docker volume rm -f "$(host_volume "${name}")" >/dev/null 2>&1 || true
  rm -rf "$(host_dir "${name}")"
}

host_ssh_args() {
  local name="$1" key="$2"
  printf '%s\n' -F none -i "${key}" -o IdentitiesOnly=yes -o BatchMode=yes -o StrictHostKeyChecking=yes \
    -o "UserKnownHostsFile=$(host_known_hosts "${name}")" -o ConnectTimeout=10
}

# Prints "name<TAB>address<TAB>running|stopped|missing" for each host with state.
hosts_table() {
  local name running
  while read -r name; do
    if host_running "${name}"; then running=running; elif host_exists "${name}"; then running=stopped; else running=missing; fi
    printf '%s\t%s\t%s\n' "${name}" "$(host_addr "${name}")" "${running}"
  done < <(hosts_list)
}
