#!/usr/bin/env bash
# The registry standing in for ghcr.io, and a registry mirror standing in for Docker Hub. Both are Debian's
# docker-registry (distribution v2) with TLS from a local CA, one process per listen address (distribution
# serves a single address), each kind sharing one storage dir:
#   registry  127.0.0.1:5000 and ${HOSTS_GATEWAY}:5000, htpasswd (bcrypt) auth: what CI pushes and hosts pull.
#   mirror    127.0.0.1:5001 (auth, where the look-alike base images are pushed) and ${HOSTS_GATEWAY}:5001
#             (anonymous and read-only: a host's dockerd uses it as `registry-mirrors`, as a real one would use a
#             pull-through cache of Docker Hub, so `postgres:15-bookworm` pulls under its upstream name).
# Sourced after common.sh.

REGISTRY_STATE="${STATE}/registry"
REGISTRY_USER="slipway"
REGISTRY_ADDRS=("127.0.0.1" "${HOSTS_GATEWAY}")
MIRROR_SYNC_STATE="${STATE}/mirror-synced"

registry_ca() { printf '%s' "${REGISTRY_STATE}/ca.crt"; }
registry_password_file() { printf '%s' "${REGISTRY_STATE}/password"; }

# Where a listener's pidfile lives: daemons serving the hosts' network are kept apart from the loopback ones.
listener_pidfile() {
  local kind="$1" addr="$2" dir="${RUN_DIR}"
  [[ "${addr}" == "${HOSTS_GATEWAY}" ]] && dir="${HOSTS_RUN_DIR}"
  printf '%s/%s-%s.pid' "${dir}" "${kind}" "${addr}"
}

# The CA is made once and kept across `down`, so clients keep trusting it.
registry_ca_up() {
  local dir="${REGISTRY_STATE}"
  [[ -s "${dir}/ca.crt" && -s "${dir}/ca.key" ]] && return 0
  openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=Slipway sandbox CA" \
    -keyout "${dir}/ca.key" -out "${dir}/ca.crt" 2>/dev/null
  chmod 0600 "${dir}/ca.key"
}

# One server certificate per listen address (shared by the registry and the mirror on that address), so adding
# an address never means re-issuing a certificate that running listeners use.
registry_server_cert() {
  local addr="$1" dir="${REGISTRY_STATE}" base san
  base="${dir}/server-${addr}"
  [[ -s "${base}.crt" && -s "${base}.key" ]] && return 0
  san="IP:${addr}"
  [[ "${addr}" == 127.0.0.1 ]] && san+=",DNS:localhost"
  openssl req -newkey rsa:2048 -nodes -subj "/CN=slipway-registry-${addr}" \
    -keyout "${base}.key" -out "${base}.csr" 2>/dev/null
  printf 'subjectAltName=%s\nextendedKeyUsage=serverAuth\n' "${san}" >"${base}.ext"
  openssl x509 -req -in "${base}.csr" -CA "${dir}/ca.crt" -CAkey "${dir}/ca.key" \
    -CAcreateserial -days 825 -extfile "${base}.ext" -out "${base}.crt" 2>/dev/null
  chmod 0600 "${base}.key"
}

# A random password, kept in a 0600 file; only its bcrypt hash goes into htpasswd.
registry_credentials() {
  local pwfile
  pwfile="$(registry_password_file)"
  if [[ ! -s "${pwfile}" ]]; then
    (umask 077 && openssl rand -hex 24 >"${pwfile}")
    rm -f "${REGISTRY_STATE}/htpasswd"
  fi
  if [[ ! -s "${REGISTRY_STATE}/htpasswd" ]]; then
    htpasswd -iBc "${REGISTRY_STATE}/htpasswd" "${REGISTRY_USER}" <"${pwfile}" 2>/dev/null
    chmod 0600 "${REGISTRY_STATE}/htpasswd"
  fi
  [[ -s "${REGISTRY_STATE}/http-secret" ]] || (umask 077 && openssl rand -hex 32 >"${REGISTRY_STATE}/http-secret")
}

# listener_config KIND ADDR: the distribution config of one listener.
listener_config() {
  local kind="$1" addr="$2" port="${REGISTRY_PORT}" root="${DATA_DIR}/registry"
  if [[ "${kind}" == mirror ]]; then port="${MIRROR_PORT}" root="${DATA_DIR}/mirror"; fi
  cat <<CONFIG
version: 0.1
log:
  level: info
storage:
  filesystem:
    rootdirectory: ${root}
  delete:
    enabled: true
CONFIG
  if [[ "${kind}" == mirror && "${addr}" != 127.0.0.1 ]]; then
    printf '  maintenance:\n    readonly:\n      enabled: true\n'
  fi
  cat <<CONFIG
http:
  addr: ${addr}:${port}
  secret: $(cat "${REGISTRY_STATE}/http-secret")
  tls:
    certificate: ${REGISTRY_STATE}/server-${addr}.crt
    key: ${REGISTRY_STATE}/server-${addr}.key
CONFIG
  if [[ "${kind}" == registry || "${addr}" == 127.0.0.1 ]]; then
    printf 'auth:\n  htpasswd:\n    realm: slipway-sandbox\n    path: %s\n' "${REGISTRY_STATE}/htpasswd"
  fi
}

# 401 (auth) or 200 (anonymous mirror) means TLS verified against our CA and the registry answered.
listener_answers() {
  local kind="$1" addr="$2" port="${REGISTRY_PORT}" code
  [[ "${kind}" == mirror ]] && port="${MIRROR_PORT}"
  code="$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 --cacert "$(registry_ca)" \
    "https://${addr}:${port}/v2/")" || true
  [[ "${code}" == 401 || "${code}" == 200 ]]
}
registry_answers() { listener_answers registry "$1"; }
mirror_answers() { listener_answers mirror "$1"; }

registry_trust() {
  local addr port
  for addr in "${REGISTRY_ADDRS[@]}"; do
    for port in "${REGISTRY_PORT}" "${MIRROR_PORT}"; do
      install -D -m 0644 "$(registry_ca)" "/etc/docker/certs.d/${addr}:${port}/ca.crt"
    done
  done
}

listener_up() {
  local kind="$1" addr="$2" pidfile config
  pidfile="$(listener_pidfile "${kind}" "${addr}")"
  config="${REGISTRY_STATE}/config-${kind}-${addr}.yml"
  pid_alive "${pidfile}" docker-registry && listener_answers "${kind}" "${addr}" && return 0
  stop_pidfile "${pidfile}" docker-registry 5
  registry_server_cert "${addr}"
  (umask 077 && listener_config "${kind}" "${addr}" >"${config}")
  nohup setsid docker-registry serve "${config}" </dev/null >>"${LOG_DIR}/${kind}-${addr}.log" 2>&1 9>&- &
  echo "$!" >"${pidfile}"
  wait_for "${kind} on ${addr}" 20 listener_answers "${kind}" "${addr}"
}

registry_up() {
  local addr
  need_commands docker-registry docker-registry htpasswd apache2-utils openssl openssl curl curl
  mkdir -p "${REGISTRY_STATE}" "${DATA_DIR}/registry" "${DATA_DIR}/mirror"
  chmod 0700 "${REGISTRY_STATE}"
  registry_ca_up
  registry_credentials
  registry_trust
  for addr in "${REGISTRY_ADDRS[@]}"; do
    listener_up registry "${addr}"
  done
}

mirror_up() {
  local addr
  for addr in "${REGISTRY_ADDRS[@]}"; do
    listener_up mirror "${addr}"
  done
}

# The mirror's name for a local tag, as Docker Hub names it: official images live under library/.
mirror_ref() {
  local tag="$1"
  [[ "${tag%%:*}" == */* ]] || tag="library/${tag}"
  printf '127.0.0.1:%s/%s' "${MIRROR_PORT}" "${tag}"
}

# True when the read-only listener serves TAG's manifest (the stamp alone would trust a deleted storage dir).
mirror_has() {
  local path="${1%%:*}" tag="${1##*:}"
  [[ "${path}" == */* ]] || path="library/${path}"
  curl -sf -o /dev/null --max-time 5 --cacert "$(registry_ca)" -I \
    -H 'Accept: application/vnd.docker.distribution.manifest.v2+json' \
    "https://${HOSTS_GATEWAY}:${MIRROR_PORT}/v2/${path}/manifests/${tag}"
}

# Docker Hub names only: a mirror in daemon.json serves docker.io, never another registry (quay.io/…).
docker_hub_name() {
  local first="${1%%/*}"
  [[ "$1" != */* || ! ( "${first}" == *.* || "${first}" == *:* || "${first}" == localhost ) ]]
}

# Pushes every look-alike base image (BASE_IMAGES) with a Docker Hub name to the mirror under that name. An
# image already pushed with the same id is skipped.
mirror_sync() {
  local tag id ref stamp
  mkdir -p "${MIRROR_SYNC_STATE}"
  host_docker login -u "${REGISTRY_USER}" --password-stdin "127.0.0.1:${MIRROR_PORT}" \
    <"$(registry_password_file)" >>"${LOG_DIR}/mirror-sync.log" 2>&1
  for tag in "${BASE_IMAGES[@]}"; do
    docker_hub_name "${tag}" || continue
    id="$(host_docker image inspect -f '{{.Id}}' "${tag}")"
    stamp="${MIRROR_SYNC_STATE}/${tag//[:\/]/_}"
    [[ -f "${stamp}" && "$(cat "${stamp}")" == "${id}" ]] && mirror_has "${tag}" && continue
    ref="$(mirror_ref "${tag}")"
    host_docker tag "${tag}" "${ref}"
    host_docker push -q "${ref}" >>"${LOG_DIR}/mirror-sync.log" 2>&1 || die "pushing ${tag} to the mirror failed. See ${LOG_DIR}/mirror-sync.log."
    host_docker rmi "${ref}" >/dev/null
    printf '%s' "${id}" >"${stamp}"
  done
}

registry_down() {
  local addr kind
  for addr in "${REGISTRY_ADDRS[@]}"; do
    for kind in registry mirror; do
      stop_pidfile "$(listener_pidfile "${kind}" "${addr}")" docker-registry 10
    done
  done
}
