#!/usr/bin/env bash
# The VPS stand-in: network namespace ${NETNS} reached over a veth pair, its own dockerd and sshd
# (both started with nsenter --net, not `ip netns exec`, which remounts /sys and breaks dockerd),
# and a key-only `deploy` user. Sourced after common.sh.

VPS_STATE="${STATE}/vps"
readonly VPS_USER="deploy"
readonly VPS_DOCKER_GROUP="slipway-docker"
readonly VETH_HOST="slipway-h"
readonly VETH_VPS="slipway-v"

vps_key() { printf '%s' "${VPS_STATE}/deploy_ed25519"; }
vps_known_hosts() { printf '%s' "${VPS_STATE}/known_hosts"; }
in_netns() { nsenter --net="/run/netns/${NETNS}" "$@"; }

netns_exists() { [[ -e "/run/netns/${NETNS}" ]]; }
netns_present() { netns_exists && ip link show "${VETH_HOST}" >/dev/null 2>&1; }

netns_up() {
  netns_exists || ip netns add "${NETNS}"
  if ! ip link show "${VETH_HOST}" >/dev/null 2>&1; then
    ip link add "${VETH_HOST}" type veth peer name "${VETH_VPS}" netns "${NETNS}"
  fi
  ip addr replace "${HOST_IP}/24" dev "${VETH_HOST}"
  ip link set "${VETH_HOST}" up
  ip -n "${NETNS}" addr replace "${VPS_IP}/24" dev "${VETH_VPS}"
  ip -n "${NETNS}" link set "${VETH_VPS}" up
  ip -n "${NETNS}" link set lo up
}

netns_down() {
  if netns_exists; then
    ip netns del "${NETNS}"
  fi
  ip link del "${VETH_HOST}" 2>/dev/null || true
}

vps_engine_answers() { vps_docker info >/dev/null 2>&1; }

# --bip keeps the VPS bridge clear of the host's 172.17.0.0/16; --config-file isolates it from
# any /etc/docker/daemon.json meant for the host engine.
vps_dockerd_up() {
  local pidfile="${RUN_DIR}/vps-dockerd.pid"
  groupadd -f "${VPS_DOCKER_GROUP}"
  mkdir -p "$(dirname "${VPS_DOCKER_SOCK}")" "${DATA_DIR}/vps-docker" "${VPS_STATE}"
  [[ -s "${VPS_STATE}/daemon.json" ]] || echo '{}' >"${VPS_STATE}/daemon.json"
  vps_engine_answers && return 0
  if ! pid_alive "${pidfile}" dockerd; then
    rm -f "${pidfile}"
    nohup setsid nsenter --net="/run/netns/${NETNS}" dockerd --iptables=false --ip-masq=false \
      --data-root "${DATA_DIR}/vps-docker" --exec-root /run/slipway-vps-docker \
      -H "unix://${VPS_DOCKER_SOCK}" --pidfile "${pidfile}" --group "${VPS_DOCKER_GROUP}" \
      --bip 172.31.0.1/24 --config-file "${VPS_STATE}/daemon.json" \
      </dev/null >>"${LOG_DIR}/vps-dockerd.log" 2>&1 9>&- &
  fi
  wait_for "VPS dockerd" 60 vps_engine_answers
}

# Keys are generated once into the state dir and survive `down`; clients pin the host key.
vps_keys() {
  local host_key="${VPS_STATE}/ssh_host_ed25519_key"
  [[ -s "${host_key}" ]] || ssh-keygen -q -t ed25519 -N '' -C slipway-vps-host -f "${host_key}"
  [[ -s "$(vps_key)" ]] || ssh-keygen -q -t ed25519 -N '' -C slipway-sandbox-deploy -f "$(vps_key)"
  chmod 0600 "${host_key}" "$(vps_key)"
  printf '%s %s\n' "${VPS_IP}" "$(cut -d' ' -f1,2 "${host_key}.pub")" >"$(vps_known_hosts)"
}

# useradd, then `usermod -p '*'`: a usable account without a password (a `!` lock makes sshd refuse it).
vps_user() {
  local home="/home/${VPS_USER}"
  id "${VPS_USER}" >/dev/null 2>&1 ||
    useradd --create-home --home-dir "${home}" --shell /bin/bash "${VPS_USER}"
  usermod -p '*' -aG "${VPS_DOCKER_GROUP}" "${VPS_USER}"
  install -d -m 0700 -o "${VPS_USER}" -g "${VPS_USER}" "${home}/.ssh"
  install -m 0600 -o "${VPS_USER}" -g "${VPS_USER}" "$(vps_key).pub" "${home}/.ssh/authorized_keys"
  install -d -m 0755 -o "${VPS_USER}" -g "${VPS_USER}" "${VPS_APP_DIR}"
}

vps_sshd_config() {
  cat <<CONFIG
Port 22
ListenAddress ${VPS_IP}
HostKey ${VPS_STATE}/ssh_host_ed25519_key
PidFile ${RUN_DIR}/vps-sshd.pid
AuthorizedKeysFile .ssh/authorized_keys
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin no
UsePAM no
AllowUsers ${VPS_USER}
Subsystem sftp internal-sftp
SetEnv DOCKER_HOST=unix://${VPS_DOCKER_SOCK}
CONFIG
}

vps_sshd_answers() { timeout 2 bash -c "exec 3<>/dev/tcp/${VPS_IP}/22 && head -c 4 <&3 | grep -q SSH-"; }

vps_sshd_up() {
  local config="${VPS_STATE}/sshd_config"
  [[ -x /usr/sbin/sshd ]] || apt_install openssh-server
  vps_keys
  vps_user
  vps_sshd_config >"${config}"
  install -d -m 0755 /run/sshd
  pid_alive "${RUN_DIR}/vps-sshd.pid" sshd && vps_sshd_answers && return 0
  stop_pidfile "${RUN_DIR}/vps-sshd.pid" sshd 5
  /usr/sbin/sshd -t -f "${config}" || die "sshd rejects ${config}."
  in_netns /usr/sbin/sshd -f "${config}" -E "${LOG_DIR}/vps-sshd.log"
  wait_for "VPS sshd on ${VPS_IP}:22" 10 vps_sshd_answers
}

vps_down() {
  stop_pidfile "${RUN_DIR}/vps-sshd.pid" sshd 5
  stop_pidfile "${RUN_DIR}/vps-dockerd.pid" dockerd 60
}

# A real VPS is given registry credentials once, at bootstrap (a read-only token): the deploy user's docker
# is logged in to the registry listener the VPS can reach, so deploys pull by digest without being handed a
# password. Always re-run (it is quick): the registry password may have been regenerated since.
vps_registry_login() {
  runuser -u "${VPS_USER}" -- env HOME="/home/${VPS_USER}" DOCKER_HOST="unix://${VPS_DOCKER_SOCK}" \
    docker login -u "${REGISTRY_USER}" --password-stdin "${HOST_IP}:${REGISTRY_PORT}" \
    <"$(registry_password_file)" >/dev/null
}
