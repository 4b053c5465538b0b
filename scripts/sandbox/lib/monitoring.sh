#!/usr/bin/env bash
# The monitoring stack on the sandbox's VPS: infra/ansible/monitoring.yml (the `monitoring` role) run by the
# project's Ansible through the host's console (docker exec: root may not log in over SSH after setup-vps.sh),
# without Grafana (no image of it exists on these machines), Prometheus on the VPS's loopback only. The VPS pulls
# the look-alike Prometheus and exporter images from the sandbox's Docker Hub mirror. Skipped while the stamp
# matches and Prometheus answers. Sourced after common.sh, hosts.sh and bootstrap.sh.

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

# host_monitoring_up NAME: runs the playbook on a set-up host unless it already runs this stack.
host_monitoring_up() {
  local name="$1" stampfile inventory bin="${REPO_ROOT}/.venv/bin"
  stampfile="$(host_dir "${name}")/monitoring.stamp"
  if [[ -f "${stampfile}" && "$(cat "${stampfile}")" == "$(monitoring_stamp "${name}")" ]] && monitoring_ready "${name}"; then
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
