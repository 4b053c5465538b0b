#!/usr/bin/env bash
# Files for node exporter's textfile collector: <dir>/<name>.prom, Prometheus text format, replaced atomically
# (a temporary file in the same directory, then rename(2)), so the collector never reads half a file. Each file
# has one owner: slipway_deploy.prom (the engine), slipway_backup_<target>.prom (the backup job, through
# `slipway record-backup`). The directory is SLIPWAY_TEXTFILE_DIR, default <app-dir>/metrics; the monitoring
# stack mounts it into node exporter (docs/OBSERVABILITY.md). Sourced by bin/slipway.

readonly TEXTFILE_NAME_RE='^[a-z][a-z0-9_]{0,63}$'

# The collector directory: SLIPWAY_TEXTFILE_DIR or <app-dir>/metrics, created when missing. Prints it, or
# prints why not on stderr and returns 1: the caller decides whether that fails its command.
textfile_dir() {
  local dir="${SLIPWAY_TEXTFILE_DIR:-$1/metrics}"
  if [[ ! "${dir}" =~ ${APP_DIR_RE} || "/${dir}/" == *"/../"* ]]; then
    echo "SLIPWAY_TEXTFILE_DIR '${dir}' is invalid: an absolute path of letters, digits, . _ / - without '..'." >&2
    return 1
  fi
  if ! mkdir -p "${dir}" 2>/dev/null || [[ ! -w "${dir}" ]]; then
    echo "the metrics directory ${dir} cannot be created or written by $(id -un). Create it, owned by that user." >&2
    return 1
  fi
  printf '%s' "${dir}"
}

# textfile_write DIR NAME: stdin becomes DIR/NAME.prom. The temporary name does not end in .prom, so the
# collector skips it.
textfile_write() {
  local dir="$1" name="$2" tmp
  if [[ ! "${name}" =~ ${TEXTFILE_NAME_RE} ]]; then
    echo "metrics file name '${name}' is not allowed (${TEXTFILE_NAME_RE})." >&2
    return 1
  fi
  tmp="$(mktemp "${dir}/.${name}.XXXXXX")" || return 1
  if ! cat >"${tmp}"; then
    rm -f "${tmp}"
    return 1
  fi
  chmod 0644 "${tmp}"
  mv -f "${tmp}" "${dir}/${name}.prom"
}

# textfile_value FILE SERIES DEFAULT: the value of SERIES (name{labels}, exactly as written) in an existing
# .prom file, or DEFAULT when the file or the series is missing. Lets a writer carry a value across runs.
textfile_value() {
  local file="$1" series="$2" default="$3"
  if [[ ! -f "${file}" ]]; then
    printf '%s' "${default}"
    return 0
  fi
  awk -v s="${series}" -v d="${default}" '
    index($0, s " ") == 1 { print substr($0, length(s) + 2); found = 1; exit }
    END { if (!found) print d }' "${file}" | tr -d '\n'
}
