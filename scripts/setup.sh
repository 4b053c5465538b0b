#!/usr/bin/env bash
# Installs what the build and the tests need: npm packages and the pinned venv (linters, Ansible).
# Idempotent and fast when warm: each step is skipped when its inputs have not changed.
set -euo pipefail

usage() {
  cat <<USAGE
Usage: scripts/setup.sh
Installs npm packages (npm ci --ignore-scripts), the Python tools pinned in scripts/requirements.txt (linters,
ansible, ansible-lint), the pinned actionlint (scripts/tools/go-tool) and promtool (from Debian's prometheus
package) into .venv. Re-running is cheap: a step is skipped when its lock file is unchanged.
A fresh checkout on a machine that installed the same lock file before unpacks node_modules from
\${SLIPWAY_SETUP_CACHE:-/var/cache/slipway/setup} instead of running npm ci (when that folder is writable).
USAGE
}

# promtool checks and unit-tests the alert rules. It comes from Debian's `prometheus` package, unpacked rather
# than installed: installing it would also start a Prometheus daemon on this machine.
readonly PROMTOOL_PACKAGE="prometheus"
readonly TOOLS_CACHE="/var/cache/slipway/tools"

repo_root() { cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd; }

# True when the stamp left by the last successful run records the same input checksum.
stamp_matches() {
  local stamp="$1" sum="$2"
  [[ -f "${stamp}" && "$(cat "${stamp}")" == "${sum}" ]]
}

# A machine-wide copy of each installed node_modules, by lock file and Node version, so a fresh checkout on the
# same machine (a new worktree, every job act runs in its own copy of the checkout) unpacks it instead of
# running npm ci again. `npm ci --ignore-scripts` installs the same files everywhere, so the copy is exact.
# Used only where the cache folder can be written (not on GitHub's runners, which have their own caches).
NPM_CACHE="${SLIPWAY_SETUP_CACHE:-/var/cache/slipway/setup}"

install_npm() {
  local dir="$1" sum stamp archive
  sum="$(sha256sum "${dir}/package-lock.json" | cut -d' ' -f1)-$(node --version)"
  stamp="${dir}/node_modules/.slipway-stamp"
  if stamp_matches "${stamp}" "${sum}"; then
    return 0
  fi
  archive="${NPM_CACHE}/node_modules-${sum}.tar"
  if [[ -f "${archive}" ]] && rm -rf "${dir}/node_modules" && tar -C "${dir}" -xf "${archive}" &&
    stamp_matches "${stamp}" "${sum}"; then
    echo "setup: node_modules in ${dir#"${ROOT}"/} from the machine's copy" >&2
    return 0
  fi
  echo "setup: npm ci in ${dir#"${ROOT}"/}" >&2
  (cd "${dir}" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
  printf '%s' "${sum}" >"${stamp}"
  if mkdir -p "${NPM_CACHE}" 2>/dev/null && [[ -w "${NPM_CACHE}" ]]; then
    if tar -C "${dir}" -cf "${archive}.$$" node_modules; then
      mv -f "${archive}.$$" "${archive}"
    else
      rm -f "${archive}.$$"
    fi
    # Lock files change: copies unused for two weeks go.
    find "${NPM_CACHE}" -name 'node_modules-*.tar' -atime +14 -delete 2>/dev/null || true
  fi
}

# The venv is built once per machine and requirements (it is 600+ MB and takes a minute: every job act runs
# would otherwise build its own), in the same cache folder, and each checkout's .venv links to it. Venvs are not
# relocatable, so the shared one lives at its final path and is built there under a lock; its stamp is written
# last, so a half-built venv is never used. Where the cache cannot be written, .venv is built in place.
build_venv() {
  local dir="$1" sum="$2"
  rm -rf "${dir}"
  python3 -m venv "${dir}"
  "${dir}/bin/pip" install --quiet --disable-pip-version-check --only-binary :all: \
    -r "${ROOT}/scripts/requirements.txt"
  ln -sfn "$("${ROOT}/scripts/tools/go-tool" path actionlint)" "${dir}/bin/actionlint"
  printf '%s' "${sum}" >"${dir}/.slipway-stamp"
}

install_venv() {
  local sum venv="${ROOT}/.venv" shared
  sum="$(cat "${ROOT}/scripts/requirements.txt" "${ROOT}/scripts/tools/go-tools.tsv" | sha256sum | cut -d' ' -f1)"
  sum="${sum}-$(python3 -c 'import sys; print("py%d.%d" % sys.version_info[:2])')"
  if stamp_matches "${venv}/.slipway-stamp" "${sum}" && [[ -x "${venv}/bin/actionlint" ]]; then
    return 0
  fi
  if ! { mkdir -p "${NPM_CACHE}" 2>/dev/null && [[ -w "${NPM_CACHE}" ]]; }; then
    echo "setup: python venv with the pinned linters and Ansible (a few minutes the first time)" >&2
    build_venv "${venv}" "${sum}"
    return 0
  fi
  shared="${NPM_CACHE}/venv-${sum}"
  (
    flock 9
    if ! stamp_matches "${shared}/.slipway-stamp" "${sum}" || [[ ! -x "${shared}/bin/actionlint" ]]; then
      echo "setup: python venv with the pinned linters and Ansible, once per machine (a minute or more)" >&2
      build_venv "${shared}" "${sum}"
    fi
  ) 9>"${NPM_CACHE}/venv.lock"
  rm -rf "${venv}"
  ln -sfn "${shared}" "${venv}"
  echo "setup: .venv links to the machine's venv ${shared##*/}" >&2
  # Requirements change: venvs unused for two weeks go (setup reads the stamp of the one it uses).
  find "${NPM_CACHE}" -maxdepth 2 -path "${NPM_CACHE}/venv-*/.slipway-stamp" -atime +14 -printf '%h\n' 2>/dev/null |
    xargs -r rm -rf || true
}

# Unpacks usr/bin/promtool from the candidate version of Debian's prometheus package into .venv/bin, through a
# machine-wide cache when it is writable (the same version is never downloaded twice). A working promtool in
# .venv is kept as it is: asking apt for the candidate alone takes seconds.
install_promtool() {
  local bin="${ROOT}/.venv/bin/promtool" version cached tmp
  if [[ -x "${bin}" ]] && "${bin}" --version >/dev/null 2>&1; then
    return 0
  fi
  version="$(apt-cache policy "${PROMTOOL_PACKAGE}" 2>/dev/null | awk '/Candidate:/ {print $2}')"
  if [[ -z "${version}" || "${version}" == "(none)" ]]; then
    apt-get update -qq >/dev/null
    version="$(apt-cache policy "${PROMTOOL_PACKAGE}" | awk '/Candidate:/ {print $2}')"
  fi
  [[ -n "${version}" && "${version}" != "(none)" ]] ||
    { echo "setup: Debian's ${PROMTOOL_PACKAGE} package is not available from apt; promtool cannot be installed." >&2; return 1; }
  cached="${TOOLS_CACHE}/promtool-${version}"
  if [[ ! -x "${cached}" ]]; then
    echo "setup: promtool from Debian's ${PROMTOOL_PACKAGE} ${version}" >&2
    tmp="$(mktemp -d)"
    (cd "${tmp}" && apt-get download -qq -o APT::Sandbox::User=root "${PROMTOOL_PACKAGE}=${version}" >/dev/null &&
      dpkg-deb --fsys-tarfile ./*.deb | tar -x ./usr/bin/promtool)
    if mkdir -p "${TOOLS_CACHE}" 2>/dev/null && [[ -w "${TOOLS_CACHE}" ]]; then
      install -m 0755 "${tmp}/usr/bin/promtool" "${cached}"
    else
      cached="${tmp}/usr/bin/promtool"
    fi
  fi
  install -m 0755 "${cached}" "${bin}"
  rm -rf "${tmp:-}"
}

main() {
  if [[ "${1:-}" == "-h" || "${1:-}" == "--help" ]]; then
    usage
    return 0
  fi
  ROOT="$(repo_root)"
  install_npm "${ROOT}"
  if [[ -f "${ROOT}/service/package-lock.json" ]]; then
    install_npm "${ROOT}/service"
  fi
  install_venv
  install_promtool
}

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
  main "$@"
fi
