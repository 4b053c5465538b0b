#!/usr/bin/env bash
# The off-site copy: a second host reached over SSH with a pinned host key, spoken to in SFTP only (batch
# files built here from validated names), so its account needs no shell (ForceCommand internal-sftp works).
# A backup is uploaded under .partial-NAME and renamed when complete; retention there follows the local rule.
# Sourced by backup-db.sh and restore-db.sh.
# shellcheck disable=SC2034 # globals shared with the other backup files

readonly OFFSITE_RE='^([a-z_][a-z0-9_-]{0,31})@([A-Za-z0-9.-]{1,253}):(/[A-Za-z0-9._/-]*)$'

# offsite_configured: true when SLIPWAY_BACKUP_OFFSITE is set; then checks every setting it needs.
offsite_configured() {
  [[ -n "${SLIPWAY_BACKUP_OFFSITE:-}" ]] || return 1
  [[ "${SLIPWAY_BACKUP_OFFSITE}" =~ ${OFFSITE_RE} && "/${BASH_REMATCH[3]}/" != *"/../"* ]] ||
    fail "SLIPWAY_BACKUP_OFFSITE: '${SLIPWAY_BACKUP_OFFSITE}' is not USER@HOST:/ABSOLUTE/PATH."
  OFFSITE_TARGET="${BASH_REMATCH[1]}@${BASH_REMATCH[2]}" OFFSITE_PATH="${BASH_REMATCH[3]%/}"
  OFFSITE_PORT="${SLIPWAY_BACKUP_OFFSITE_PORT:-22}"
  need_int SLIPWAY_BACKUP_OFFSITE_PORT "${OFFSITE_PORT}" 1 65535 OFFSITE_PORT
  [[ -r "${SLIPWAY_BACKUP_OFFSITE_KEY:-}" ]] ||
    fail "SLIPWAY_BACKUP_OFFSITE_KEY: '${SLIPWAY_BACKUP_OFFSITE_KEY:-}' is not a readable private key file."
  [[ -s "${SLIPWAY_BACKUP_OFFSITE_KNOWN_HOSTS:-}" ]] ||
    fail "SLIPWAY_BACKUP_OFFSITE_KNOWN_HOSTS: '${SLIPWAY_BACKUP_OFFSITE_KNOWN_HOSTS:-}' must be a known_hosts file pinning the off-site host's key (checked out of band)."
}

# offsite_error OUTPUT: the lines of sftp's output that say what went wrong (not the batch echo).
offsite_error() { grep -vE '^(sftp>|$)' <<<"$1" | tail -n 3 | paste -sd ' ' -; }

# offsite_sftp: runs the SFTP batch on stdin; a failed command stops it (exit 1, sftp's message on stderr).
offsite_sftp() {
  sftp -b - -P "${OFFSITE_PORT}" -i "${SLIPWAY_BACKUP_OFFSITE_KEY}" -o IdentitiesOnly=yes -o BatchMode=yes \
    -o StrictHostKeyChecking=yes -o "UserKnownHostsFile=${SLIPWAY_BACKUP_OFFSITE_KNOWN_HOSTS}" \
    -o ConnectTimeout=15 -F none "${OFFSITE_TARGET}" 9>&-
}

# offsite_list: sets OFFSITE_BACKUPS to the complete backups on the off-site host, newest first.
offsite_list() {
  local out name
  out="$(printf 'ls -1 %s\n' "${OFFSITE_PATH}" | offsite_sftp 2>&1)" ||
    fail "listing ${OFFSITE_TARGET}:${OFFSITE_PATH} failed: $(offsite_error "${out}")"
  OFFSITE_BACKUPS=()
  while IFS= read -r name; do
    name="${name##*/}"
    if [[ "${name}" =~ ${BACKUP_NAME_RE} ]]; then OFFSITE_BACKUPS+=("${name}"); fi
  done <<<"${out}"
  mapfile -t OFFSITE_BACKUPS < <(if ((${#OFFSITE_BACKUPS[@]})); then printf '%s\n' "${OFFSITE_BACKUPS[@]}" | sort -r; fi)
}

# offsite_push DIR: uploads the backup folder DIR, complete or not at all (a rename at the end).
offsite_push() {
  local dir="$1" name out
  name="$(basename "${dir}")"
  out="$({
    printf -- '-mkdir %s\n' "${OFFSITE_PATH}"
    printf -- '-rm %s/.partial-%s/*\n-rmdir %s/.partial-%s\n' "${OFFSITE_PATH}" "${name}" "${OFFSITE_PATH}" "${name}"
    printf 'mkdir %s/.partial-%s\n' "${OFFSITE_PATH}" "${name}"
    printf 'put %s/* %s/.partial-%s/\n' "${dir}" "${OFFSITE_PATH}" "${name}"
    printf 'rename %s/.partial-%s %s/%s\n' "${OFFSITE_PATH}" "${name}" "${OFFSITE_PATH}" "${name}"
  } | offsite_sftp 2>&1)" || fail "the off-site copy to ${OFFSITE_TARGET}:${OFFSITE_PATH} failed: $(offsite_error "${out}")"
}

# offsite_fetch NAME DEST-DIR: downloads a backup into DEST-DIR/NAME (through .incoming-NAME).
offsite_fetch() {
  local name="$1" dest="$2" out
  rm -rf "${dest:?}/.incoming-${name}"
  mkdir -p "${dest}/.incoming-${name}"
  out="$(printf 'get %s/%s/* %s/.incoming-%s/\n' "${OFFSITE_PATH}" "${name}" "${dest}" "${name}" | offsite_sftp 2>&1)" ||
    fail "fetching ${name} from ${OFFSITE_TARGET}:${OFFSITE_PATH} failed: $(offsite_error "${out}")"
  mv -T "${dest}/.incoming-${name}" "${dest}/${name}"
}

# offsite_prune KEEP-DAILY: the local retention rule applied to the off-site host. Sets OFFSITE_PRUNED.
offsite_prune() {
  local keep="$1" action name batch=""
  OFFSITE_PRUNED=""
  offsite_list
  while read -r action name; do
    [[ "${action}" == delete ]] || continue
    batch+="rm ${OFFSITE_PATH}/${name}/*"$'\n'"rmdir ${OFFSITE_PATH}/${name}"$'\n'
    OFFSITE_PRUNED+="${OFFSITE_PRUNED:+ }${name}"
  done < <(printf '%s\n' "${OFFSITE_BACKUPS[@]}" | retention_plan "${keep}")
  [[ -n "${batch}" ]] || return 0
  offsite_sftp <<<"${batch}" >/dev/null 2>&1 || fail "pruning old backups on ${OFFSITE_TARGET}:${OFFSITE_PATH} failed."
}
