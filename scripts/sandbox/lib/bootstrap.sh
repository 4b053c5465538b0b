#!/usr/bin/env bash
# Runs infra/scripts/setup-vps.sh on a sandbox host the way an operator runs it on a new server: the files it
# needs (registry CA, registry password) copied to root's home first, then the script piped to `bash -s`, over
# SSH as root with the bootstrap key, or through the console (docker exec) once root may no longer log in.
# Sourced after common.sh, registry.sh and hosts.sh.

readonly SETUP_VPS="${REPO_ROOT}/infra/scripts/setup-vps.sh"
readonly BOOTSTRAP_DIR="/root/slipway-bootstrap"

# sandbox_supervised NAME: whether host NAME runs the supervisor (slipway-supervise.timer). Not the shared VPS
# (vps1): the drills and the chaos tests break its live release on purpose and measure what Docker alone does; a
# supervisor restarting or rolling back in the middle would change what they measure and make them flaky.
# (tests/chaos runs `slipway supervise` itself; the bootstrap drill checks the installed timer on its own hosts.)
sandbox_supervised() { [[ "$1" != "${VPS_NAME}" ]]; }

# sandbox_setup_flags NAME: the flags host NAME is set up with: the sandbox's deploy key, registry and mirror.
sandbox_setup_flags() {
  printf '%s\n' --deploy-key "$(cat "$(hosts_deploy_key).pub")" \
    --registry "${HOSTS_GATEWAY}:${REGISTRY_PORT}" --registry-user "${REGISTRY_USER}" \
    --registry-password-file "${BOOTSTRAP_DIR}/registry-password" \
    --registry-ca "${BOOTSTRAP_DIR}/registry-ca.crt" \
    --registry-mirror "https://${HOSTS_GATEWAY}:${MIRROR_PORT}"
  sandbox_supervised "$1" || printf '%s\n' --skip supervise
}

# The same host as Ansible sees it: an inventory (infra/ansible's layout) with the sandbox's deploy key,
# registry and mirror as role variables. Secrets stay in their files: the inventory only names them (lookup).
sandbox_inventory() {
  local name="$1" dir="$2"
  install -d -m 0700 "${dir}" "${dir}/group_vars"
  cp "$(host_known_hosts "${name}")" "${dir}/known_hosts"
  printf 'slipway:\n  hosts:\n    %s:\n      ansible_host: %s\n' "${name}" "$(host_addr "${name}")" >"${dir}/hosts.yml"
  cat >"${dir}/group_vars/slipway.yml" <<VARS
# Written by scripts/sandbox/host inventory: sandbox host ${name}, as setup-vps.sh's sandbox flags describe it.
ansible_python_interpreter: /usr/bin/python3
ansible_ssh_common_args: -o UserKnownHostsFile={{ inventory_dir }}/known_hosts -o StrictHostKeyChecking=yes
common_deploy_keys: ['$(cat "$(hosts_deploy_key).pub")']
common_sshd_permit_root_login: prohibit-password
docker_registry_mirrors: ['https://${HOSTS_GATEWAY}:${MIRROR_PORT}']
docker_registry_ca: "{{ lookup('file', '$(registry_ca)') }}"
docker_registry_ca_hosts: ['${HOSTS_GATEWAY}:${REGISTRY_PORT}', '${HOSTS_GATEWAY}:${MIRROR_PORT}']
app_registry: '${HOSTS_GATEWAY}:${REGISTRY_PORT}'
app_registry_username: '${REGISTRY_USER}'
app_registry_password: "{{ lookup('file', '$(registry_password_file)') }}"
VARS
  sandbox_supervised "${name}" || printf 'app_supervise_enabled: false\n' >>"${dir}/group_vars/slipway.yml"
}

# on_host NAME VIA COMMAND-STRING: runs a shell command on the host as root, stdin passed through.
on_host() {
  local name="$1" via="$2" command="$3" args=()
  case "${via}" in
    ssh)
      mapfile -t args < <(host_ssh_args "${name}" "$(hosts_root_key)")
      # shellcheck disable=SC2029 # the command is built (and quoted) here, for the remote shell
      ssh "${args[@]}" "root@$(host_addr "${name}")" "${command}"
      ;;
    console) host_docker exec -i "$(host_container "${name}")" sh -c "${command}" ;;
    *) die "unknown way to reach a host: '${via}' (ssh or console)." ;;
  esac
}

# Copies the registry CA and password into ${BOOTSTRAP_DIR} (0700), as an operator copies them to a new server.
bootstrap_upload() {
  local name="$1" via="$2"
  on_host "${name}" "${via}" "umask 077 && mkdir -p ${BOOTSTRAP_DIR} && cat >${BOOTSTRAP_DIR}/registry-password" \
    <"$(registry_password_file)"
  on_host "${name}" "${via}" "umask 022 && cat >${BOOTSTRAP_DIR}/registry-ca.crt" <"$(registry_ca)"
}

# host_setup NAME VIA [EXTRA-FLAGS...]: uploads, then runs setup-vps.sh with the sandbox's flags plus EXTRA.
# Its output goes to stdout; the exit status is setup-vps.sh's.
host_setup() {
  local name="$1" via="$2" flags=() quoted
  shift 2
  mapfile -t flags < <(sandbox_setup_flags "${name}")
  flags+=("$@")
  bootstrap_upload "${name}" "${via}"
  quoted="$(printf '%q ' "${flags[@]}")"
  on_host "${name}" "${via}" "bash -s -- ${quoted}" <"${SETUP_VPS}"
}

# The stamp of a finished setup: the script, its flags and the container it ran in. A warm `up` skips the
# setup while it matches; a changed script (or a recreated host) runs it again.
bootstrap_stamp() {
  local name="$1"
  {
    cat "${SETUP_VPS}"
    sandbox_setup_flags "${name}"
    host_docker inspect -f '{{.Id}}' "$(host_container "${name}")"
    sha256sum "$(registry_password_file)"
  } | sha256sum | cut -d' ' -f1
}

# Sets up the sandbox's VPS once: over SSH as root the first time (as on a new server), through the console
# afterwards (root may no longer log in). Skipped while the stamp matches.
vps_setup_up() {
  local name="${VPS_NAME}" stampfile out via=ssh
  stampfile="$(host_dir "${name}")/setup.stamp"
  [[ -f "${stampfile}" && "$(cat "${stampfile}")" == "$(bootstrap_stamp "${name}")" ]] && return 0
  [[ -f "$(host_dir "${name}")/setup.log" ]] && via=console
  log "running infra/scripts/setup-vps.sh on ${name} (via ${via}); output in ${LOG_DIR}/setup-${name}.log"
  if ! out="$(host_setup "${name}" "${via}" 2>&1)"; then
    printf '%s\n' "${out}" >>"${LOG_DIR}/setup-${name}.log"
    die "setup-vps.sh failed on ${name}: $(grep -m1 ' failed: ' <<<"${out}" || tail -n 1 <<<"${out}"). See ${LOG_DIR}/setup-${name}.log."
  fi
  printf '%s\n' "${out}" | tee -a "${LOG_DIR}/setup-${name}.log" >"$(host_dir "${name}")/setup.log"
  bootstrap_stamp "${name}" >"${stampfile}"
}

vps_setup_done() {
  local stampfile
  stampfile="$(host_dir "${VPS_NAME}")/setup.stamp"
  [[ -f "${stampfile}" && "$(cat "${stampfile}")" == "$(bootstrap_stamp "${VPS_NAME}")" ]]
}
