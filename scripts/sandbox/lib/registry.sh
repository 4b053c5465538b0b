#!/usr/bin/env bash
# The registry standing in for ghcr.io: Debian's docker-registry (distribution v2) with TLS from a
# local CA and htpasswd (bcrypt) auth. One process per listen address, sharing one storage dir,
# because distribution serves a single address. Sourced after common.sh.

REGISTRY_STATE="${STATE}/registry"
REGISTRY_USER="slipway"
REGISTRY_ADDRS=("127.0.0.1" "${HOST_IP}")

registry_ca() { printf '%s' "${REGISTRY_STATE}/ca.crt"; }
registry_password_file() { printf '%s' "${REGISTRY_STATE}/password"; }

# The CA and the server certificate are made once and kept across `down`, so clients keep trusting them.
registry_pki() {
  local dir="${REGISTRY_STATE}"
  [[ -s "${dir}/ca.crt" && -s "${dir}/server.crt" ]] && return 0
  openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=Slipway sandbox CA" \
    -keyout "${dir}/ca.key" -out "${dir}/ca.crt" 2>/dev/null
  openssl req -newkey rsa:2048 -nodes -subj "/CN=slipway-registry" \
    -keyout "${dir}/server.key" -out "${dir}/server.csr" 2>/dev/null
  printf 'subjectAltName=IP:127.0.0.1,IP:%s,DNS:localhost\nextendedKeyUsage=serverAuth\n' "${HOST_IP}" \
    >"${dir}/server.ext"
  openssl x509 -req -in "${dir}/server.csr" -CA "${dir}/ca.crt" -CAkey "${dir}/ca.key" \
    -CAcreateserial -days 825 -extfile "${dir}/server.ext" -out "${dir}/server.crt" 2>/dev/null
  chmod 0600 "${dir}/ca.key" "${dir}/server.key"
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

registry_config() {
  local addr="$1"
  cat <<CONFIG
version: 0.1
log:
  level: info
storage:
  filesystem:
    rootdirectory: ${DATA_DIR}/registry
  delete:
    enabled: true
http:
  addr: ${addr}:${REGISTRY_PORT}
  secret: $(cat "${REGISTRY_STATE}/http-secret")
  tls:
    certificate: ${REGISTRY_STATE}/server.crt
    key: ${REGISTRY_STATE}/server.key
auth:
  htpasswd:
    realm: slipway-sandbox
    path: ${REGISTRY_STATE}/htpasswd
CONFIG
}

# 401 means TLS verified against our CA and the auth layer answered: the registry is up.
registry_answers() {
  local addr="$1" code
  code="$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 --cacert "$(registry_ca)" \
    "https://${addr}:${REGISTRY_PORT}/v2/")" || true
  [[ "${code}" == 401 ]]
}

registry_trust() {
  local addr
  for addr in "${REGISTRY_ADDRS[@]}"; do
    install -D -m 0644 "$(registry_ca)" "/etc/docker/certs.d/${addr}:${REGISTRY_PORT}/ca.crt"
  done
}

registry_up() {
  local addr pidfile config
  need_commands docker-registry docker-registry htpasswd apache2-utils openssl openssl curl curl
  mkdir -p "${REGISTRY_STATE}" "${DATA_DIR}/registry"
  chmod 0700 "${REGISTRY_STATE}"
  registry_pki
  registry_credentials
  registry_trust
  for addr in "${REGISTRY_ADDRS[@]}"; do
    pidfile="${RUN_DIR}/registry-${addr}.pid"
    config="${REGISTRY_STATE}/config-${addr}.yml"
    pid_alive "${pidfile}" docker-registry && registry_answers "${addr}" && continue
    stop_pidfile "${pidfile}" docker-registry 5
    (umask 077 && registry_config "${addr}" >"${config}")
    nohup setsid docker-registry serve "${config}" </dev/null >>"${LOG_DIR}/registry-${addr}.log" 2>&1 9>&- &
    echo "$!" >"${pidfile}"
    wait_for "registry on ${addr}:${REGISTRY_PORT}" 20 registry_answers "${addr}"
  done
}

registry_down() {
  local addr
  for addr in "${REGISTRY_ADDRS[@]}"; do
    stop_pidfile "${RUN_DIR}/registry-${addr}.pid" docker-registry 10
  done
}
