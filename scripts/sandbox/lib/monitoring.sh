#!/usr/bin/env bash
# The monitoring stack on the sandbox's VPS: infra/ansible/monitoring.yml (the `monitoring` role) run by the
# project's Ansible through the host's console (docker exec: root may not log in over SSH after setup-vps.sh),
# without Grafana (no image of it exists on these machines), Prometheus on the VPS's loopback only. The VPS pulls
# the look-alike Prometheus and exporter images from the sandbox's Docker Hub mirror. Skipped while the stamp
# matches and Prometheus answers (then only containers holding deleted files are restarted). Sourced after
# common.sh, hosts.sh and bootstrap.sh.

readonly MONITORING_PLAYBOOK="${REPO_ROOT}/infra/ansible/monitoring.yml"
readonly MONITORING_PROJECT="slipway-monitoring"

# The role's variables for a sandbox host: its defaults but Grafana.
monitoring_inventory() {
  local name="$1"
  cat <<INVENTORY
# Written by scripts/sandbox/lib/monitoring.sh: sandbox host ${name}, reached through its console.
slipway:
  hosts:
    ${name}:
      ansible_connection: community.docker.docker
      ansible_host: $(host_container "${name}")
      ansible_docker_extra_args: -H unix://${HOST_DOCKER_SOCK}
      ansible_python_interpreter: /usr/bin/python3
      monitoring_grafana_enabled: false
INVENTORY
}

monitoring_stamp() {
  local name="$1"
  {
    (cd "${REPO_ROOT}" && find infra/monitoring infra/ansible/roles/monitoring "${MONITORING_PLAYBOOK#"${REPO_ROOT}/"}" \
      -type f ! -path '*/tests/*' -print0 | sort -z | xargs -0 sha256sum)
    monitoring_inventory "${name}"
    host_docker inspect -f '{{.Id}}' "$(host_container "${name}")"
  } | sha256sum | cut -d' ' -f1
}

# Prometheus answers /-/ready inside its container on the host (its own wget: nothing is published beyond the
# host's loopback).
monitoring_ready() {
  host_docker exec "$(host_container "$1")" docker exec "${MONITORING_PROJECT}-prometheus-1" \
    wget -q -O /dev/null http://127.0.0.1:9090/-/ready >/dev/null 2>&1
}

# The stack's containers holding a bind mount whose source was deleted after they started: the kernel marks
# such a mount's root "//deleted" in the process's mountinfo. The tests' reset of the VPS (rm -rf of the app
# directory) does that to the database password file and the textfile folder under a running stack: the
# PostgreSQL exporter then logs in with a password that no longer exists and node-exporter reads an empty
# folder, and every panel that needs them is empty. Prints one container name per line.
monitoring_stale() {
  local vps names=() name pid
  vps="$(host_container "$1")"
  mapfile -t names < <(host_docker exec "${vps}" docker ps -q --filter "label=com.docker.compose.project=${MONITORING_PROJECT}")
  ((${#names[@]})) || return 0
  while read -r name pid; do
    if [[ "${pid}" != 0 ]] && host_docker exec "${vps}" grep -q '//deleted ' "/proc/${pid}/mountinfo"; then
      printf '%s\n' "${name#/}"
    fi
  done < <(host_docker exec "${vps}" docker inspect -f '{{.Name}} {{.State.Pid}}' "${names[@]}")
}

# Restarts the containers monitoring_stale names: a restart mounts the current files again.
monitoring_refresh() {
  local name="$1" stale=()
  mapfile -t stale < <(monitoring_stale "${name}")
  ((${#stale[@]})) || return 0
  log "${name}: ${stale[*]} held files deleted since they started; restarting them"
  host_docker exec "$(host_container "${name}")" docker restart -t 10 "${stale[@]}" >/dev/null
}

# host_monitoring_up NAME: runs the playbook on a set-up host unless it already runs this stack, and restarts
# what holds deleted files.
host_monitoring_up() {
  local name="$1" stampfile inventory bin="${REPO_ROOT}/.venv/bin"
  stampfile="$(host_dir "${name}")/monitoring.stamp"
  if [[ -f "${stampfile}" && "$(cat "${stampfile}")" == "$(monitoring_stamp "${name}")" ]] && monitoring_ready "${name}"; then
    monitoring_refresh "${name}"
    return 0
  fi
  [[ -x "${bin}/ansible-playbook" ]] || die "${bin}/ansible-playbook is missing. Run scripts/setup.sh first."
  inventory="$(host_dir "${name}")/monitoring-inventory"
  install -d -m 0700 "${inventory}"
  monitoring_inventory "${name}" >"${inventory}/hosts.yml"
  log "running infra/ansible/monitoring.yml on ${name}; output in ${LOG_DIR}/monitoring-${name}.log"
  ANSIBLE_CONFIG="${REPO_ROOT}/infra/ansible/ansible.cfg" ANSIBLE_NOCOLOR=1 PATH="${bin}:${PATH}" \
    "${bin}/ansible-playbook" -i "${inventory}/hosts.yml" "${MONITORING_PLAYBOOK}" \
    >>"${LOG_DIR}/monitoring-${name}.log" 2>&1 ||
    die "infra/ansible/monitoring.yml failed on ${name}: $(grep -m1 -E 'fatal|FAILED' "${LOG_DIR}/monitoring-${name}.log" | cut -c1-300). See ${LOG_DIR}/monitoring-${name}.log."
  wait_for "Prometheus on ${name}" 60 monitoring_ready "${name}"
  monitoring_stamp "${name}" >"${stampfile}"
}

vps_monitoring_up() { host_monitoring_up "${VPS_NAME}"; }
