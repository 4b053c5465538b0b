#!/usr/bin/env bash
# What backup-db.sh and restore-db.sh share: their configuration, the backup folder rule, the list of backups
# and the throwaway helper containers. Sourced after the deploy engine's lib/common.sh, lock.sh and docker.sh,
# whose log, fail, write_atomic, the lock and `dk` (docker with the lock descriptor closed) they use.
# shellcheck disable=SC2034 # globals shared with the other backup files

# A backup is a folder named by its UTC start time (BACKUP_NAME_RE, a domain rule of the engine's
# rules.generated.sh); anything else in the backup directory is not a backup.
readonly BACKUP_CONFIG_DEFAULT=/etc/slipway/backup.env
# The keys a configuration file may set (KEY=VALUE lines, no shell): the environment wins over the file.
readonly BACKUP_CONFIG_KEYS=(
  SLIPWAY_APP_DIR SLIPWAY_BACKUP_DIR SLIPWAY_BACKUP_KEEP_DAILY SLIPWAY_BACKUP_LOCK_WAIT
  SLIPWAY_BACKUP_AGE_RECIPIENTS SLIPWAY_BACKUP_AGE_IDENTITY SLIPWAY_BACKUP_KNOWN_QUERY
  SLIPWAY_BACKUP_OFFSITE SLIPWAY_BACKUP_OFFSITE_PORT SLIPWAY_BACKUP_OFFSITE_KEY SLIPWAY_BACKUP_OFFSITE_KNOWN_HOSTS
  SLIPWAY_INFRA_PROJECT SLIPWAY_TEXTFILE_DIR
)
# Labels every container and volume a backup or restore creates for itself carries, so it can remove them.
readonly THROWAWAY_LABEL=org.slipway.backup.run

# backup_settings: the settings both scripts share, from the configuration file (CONFIG), the environment and
# the flags, validated; then the engine's app dir (STATE_DIR, SHARED_DIR, ...) and the backup directory.
backup_settings() {
  config_load "${CONFIG}"
  APP_DIR="${SLIPWAY_APP_DIR:-/srv/slipway}" BACKUP_DIR="${SLIPWAY_BACKUP_DIR:-/var/backups/slipway}"
  KEEP="${SLIPWAY_BACKUP_KEEP_DAILY:-7}" LOCK_WAIT="${SLIPWAY_BACKUP_LOCK_WAIT:-600}"
  PROJECT="${SLIPWAY_INFRA_PROJECT:-${INFRA_PROJECT}}"
  need_int "--keep-daily" "${KEEP}" 1 3650 KEEP
  need_int "--lock-wait" "${LOCK_WAIT}" 0 86400 LOCK_WAIT
  [[ "${PROJECT}" =~ ^[a-z0-9][a-z0-9_-]{0,62}$ ]] ||
    fail "SLIPWAY_INFRA_PROJECT: '$(clip "${PROJECT}")' is not a compose project name (lower-case letters, digits, _ -)."
  check_app_dir "${APP_DIR}"
  backup_dir_ready "${BACKUP_DIR}"
}

# config_load FILE: sets each known key the environment does not already set. Missing file: nothing to do.
config_load() {
  local file="$1" line key value
  [[ -f "${file}" ]] || return 0
  [[ -r "${file}" ]] || fail "configuration ${file} is not readable by $(id -un). Make it readable (0640, group $(id -gn))."
  while IFS= read -r line || [[ -n "${line}" ]]; do
    [[ "${line}" =~ ^[[:space:]]*(#|$) ]] && continue
    [[ "${line}" =~ ^([A-Z_]+)=(.*)$ ]] || fail "configuration ${file}: '${line}' is not a KEY=VALUE line."
    key="${BASH_REMATCH[1]}" value="${BASH_REMATCH[2]}"
    [[ " ${BACKUP_CONFIG_KEYS[*]} " == *" ${key} "* ]] ||
      fail "configuration ${file}: unknown key ${key}. Known: ${BACKUP_CONFIG_KEYS[*]}."
    [[ -n "${!key:-}" ]] || export "${key}=${value}"
  done <"${file}"
}

# Absolute paths of letters, digits, . _ / - without '..': the engine's rule for every path it is handed.
need_path() {
  local name="$1" value="$2"
  [[ ${#value} -le ${APP_DIR_MAX} && "${value}" =~ ${APP_DIR_RE} && "/${value}/" != *"/../"* ]] ||
    fail "${name}: '$(clip "${value}")' is not an absolute path of letters, digits, . _ / - without '..'."
}

# backup_dir_ready DIR: the backup directory exists (created 0700 when missing) and is writable.
backup_dir_ready() {
  local dir="$1"
  need_path "backup dir (--backup-dir, SLIPWAY_BACKUP_DIR)" "${dir}"
  if [[ ! -d "${dir}" ]]; then
    (umask 077 && mkdir -p "${dir}") 2>/dev/null || fail "backup dir ${dir} cannot be created by $(id -un). Create it, owned by that user, mode 0700."
  fi
  [[ -w "${dir}" ]] || fail "backup dir ${dir} is not writable by $(id -un). Give it to that user (chown, mode 0700)."
}

# backups_verified DIR [LIMIT]: verified backups in DIR (their manifest says verified: true), newest first.
backups_verified() {
  local dir="$1" limit="${2:-0}" name found=0
  while IFS= read -r name; do
    [[ "${name}" =~ ${BACKUP_NAME_RE} ]] || continue
    jq -e '.verified == true' "${dir}/${name}/manifest.json" >/dev/null 2>&1 || continue
    printf '%s\n' "${name}"
    found=$((found + 1))
    if ((found == limit)); then return 0; fi
  done < <(find "${dir}" -mindepth 1 -maxdepth 1 -type d -printf '%f\n' | sort -r)
}

# backup_resolve DIR latest|NAME: sets BACKUP to the folder's path, or fails saying what exists.
backup_resolve() {
  local dir="$1" which="$2" name
  if [[ "${which}" == latest ]]; then
    name="$(backups_verified "${dir}" 1)"
    [[ -n "${name}" ]] || fail "no verified backup in ${dir}. Run backup-db.sh first, or restore --from-offsite."
  else
    name="$(basename -- "${which}")"
    [[ "${name}" =~ ${BACKUP_NAME_RE} ]] ||
      fail "backup '${which}' is not a backup folder name (YYYYMMDDTHHMMSSZ). Backups: $(backups_verified "${dir}" | paste -sd ' ')"
    [[ -d "${dir}/${name}" ]] || fail "backup ${name} is not in ${dir}. Backups: $(backups_verified "${dir}" | paste -sd ' ')"
  fi
  BACKUP="${dir}/${name}"
}

# The infra project's container of SERVICE (empty when there is none), and a container's state.
service_container() {
  local ids
  mapfile -t ids < <(dk ps -aq --filter "label=com.docker.compose.project=$1" --filter "label=com.docker.compose.service=$2")
  printf '%s' "${ids[0]:-}"
}
container_state() { dk inspect -f '{{.State.Status}}' "$1" 2>/dev/null || echo missing; }

# The hardened options of every helper container: no network, no capabilities unless asked, read-only root.
readonly HELPER_OPTS=(--network none --cap-drop ALL --security-opt no-new-privileges:true --read-only
  --tmpfs /tmp:size=64m)

# throwaway_cleanup RUN: removes the containers and volumes a run created (by label).
throwaway_cleanup() {
  local run="$1" ids
  mapfile -t ids < <(dk ps -aq --filter "label=${THROWAWAY_LABEL}=${run}")
  if ((${#ids[@]})); then dk rm -f -v "${ids[@]}" >/dev/null 2>&1 || true; fi
  mapfile -t ids < <(dk volume ls -q --filter "label=${THROWAWAY_LABEL}=${run}")
  if ((${#ids[@]})); then dk volume rm -f "${ids[@]}" >/dev/null 2>&1 || true; fi
}

# seconds_since START-EPOCHREALTIME: elapsed seconds with one decimal.
seconds_since() { awk -v s="$1" -v n="${EPOCHREALTIME}" 'BEGIN { printf "%.1f", n - s }'; }

# file_sha256 FILE
file_sha256() { sha256sum "$1" | cut -d' ' -f1; }

# no_space_hint DIR ERROR: ERROR, said as "disk full" with the free space when the disk holding DIR is full.
no_space_hint() {
  local dir="$1" err="$2" free
  free="$(df --output=avail -B1 "${dir}" 2>/dev/null | tail -n1 | tr -d ' ')"
  if [[ "${err,,}" == *"no space left"* ]] || [[ -n "${free}" && "${free}" -lt 1048576 ]]; then
    printf 'disk full: %s bytes free in %s (%s). Free space or keep fewer backups; earlier backups are untouched.' \
      "${free:-?}" "${dir}" "$(tail -n 1 <<<"${err}")"
  else
    tail -n 3 <<<"${err}"
  fi
}
