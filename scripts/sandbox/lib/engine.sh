#!/usr/bin/env bash
# The host Docker engine and the compose/buildx CLI plugins. Sourced after common.sh.

readonly PLUGIN_DIRS=(/usr/libexec/docker/cli-plugins /usr/local/lib/docker/cli-plugins)

engine_answers() { host_docker info >/dev/null 2>&1; }

# Reuses a daemon that already answers; otherwise installs docker.io and starts dockerd.
# `--ip 127.0.0.1` makes published ports bind to loopback unless a compose file says otherwise.
engine_up() {
  local pidfile="${RUN_DIR}/dockerd.pid"
  if engine_answers; then
    return 0
  fi
  command -v dockerd >/dev/null 2>&1 || apt_install docker.io
  if ! pid_alive "${pidfile}" dockerd; then
    rm -f "${pidfile}"
    nohup setsid dockerd --iptables=false --ip-masq=false --ip 127.0.0.1 \
      --host "unix://${HOST_DOCKER_SOCK}" --pidfile "${pidfile}" \
      </dev/null >>"${LOG_DIR}/dockerd.log" 2>&1 9>&- &
  fi
  wait_for "host dockerd" 60 engine_answers
}

engine_down() {
  if [[ -e "${RUN_DIR}/dockerd.pid" ]]; then
    stop_pidfile "${RUN_DIR}/dockerd.pid" dockerd 60
  fi
}

plugins_work() { docker compose version >/dev/null 2>&1 && docker buildx version >/dev/null 2>&1; }

# Debian 12 lacks compose v2 and buildx; trixie ships them as static Go binaries. A private apt
# state (lists, cache, sources) fetches them without touching the system's sources.
fetch_trixie_plugins() {
  local dir="${CACHE_DIR}/apt-trixie" deb bin src
  local apt_opts=(-q "-oDir::State::Lists=${dir}/lists" "-oDir::Etc::SourceList=${dir}/trixie.list"
    -oDir::Etc::SourceParts=/dev/null "-oDir::Cache=${dir}/cache")
  mkdir -p "${dir}/lists/partial" "${dir}/cache/archives/partial" "${dir}/debs" "${dir}/root"
  printf 'deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] %s trixie main\n' \
    "${DEBIAN_MIRROR}" >"${dir}/trixie.list"
  if ! compgen -G "${dir}/debs/docker-compose_*.deb" >/dev/null ||
    ! compgen -G "${dir}/debs/docker-buildx_*.deb" >/dev/null; then
    apt-get "${apt_opts[@]}" update >>"${LOG_DIR}/apt.log" 2>&1
    (cd "${dir}/debs" && apt-get "${apt_opts[@]}" download docker-compose docker-buildx) \
      >>"${LOG_DIR}/apt.log" 2>&1 || die "cannot download docker-compose/docker-buildx from trixie. See ${LOG_DIR}/apt.log."
  fi
  for deb in "${dir}"/debs/*.deb; do
    dpkg -x "${deb}" "${dir}/root"
  done
  for bin in docker-compose docker-buildx; do
    src="$(find "${dir}/root" -name "${bin}" -type f -perm -u+x | head -n 1)"
    [[ -n "${src}" ]] || die "${bin} not found in the trixie package. Remove ${dir}/debs and retry."
    install -D -m 0755 "${src}" "${PLUGIN_DIRS[0]}/${bin}"
  done
}

plugins_up() {
  if plugins_work; then
    return 0
  fi
  case "$(os_codename)" in
    bookworm) fetch_trixie_plugins ;;
    *) apt_install docker-compose docker-buildx ;;
  esac
  # A newer client first on PATH may not search /usr/libexec; give it the second standard place.
  if ! plugins_work; then
    mkdir -p "${PLUGIN_DIRS[1]}"
    ln -sf "${PLUGIN_DIRS[0]}/docker-compose" "${PLUGIN_DIRS[1]}/docker-compose"
    ln -sf "${PLUGIN_DIRS[0]}/docker-buildx" "${PLUGIN_DIRS[1]}/docker-buildx"
  fi
  plugins_work || die "docker compose/buildx still not found by $(command -v docker). Check ${PLUGIN_DIRS[*]}."
}
