#!/usr/bin/env bash
# A backup folder's files: optional age encryption, the manifest with every file's size and sha256, the check
# of those checksums, and retention. Sourced by backup-db.sh and restore-db.sh.
# shellcheck disable=SC2034 # globals shared with the other backup files

# files_json DIR: [{name, bytes, sha256}] of the folder's files, the manifest aside.
files_json() {
  local dir="$1" name
  for name in $(find "${dir}" -mindepth 1 -maxdepth 1 -type f ! -name manifest.json -printf '%f\n' | sort); do
    jq -nc --arg n "${name}" --argjson b "$(stat -c %s "${dir}/${name}")" --arg s "$(file_sha256 "${dir}/${name}")" \
      '{name: $n, bytes: $b, sha256: $s}'
  done | jq -sc .
}

# encrypt_files DIR RECIPIENTS-FILE: replaces each file by FILE.age for the recipients (age -R). Sets
# PLAINTEXT_FILES to the plaintext [{name, bytes, sha256}], so a restore can check the decrypted files too.
encrypt_files() {
  local dir="$1" recipients="$2" name
  PLAINTEXT_FILES="$(files_json "${dir}")"
  for name in $(jq -r '.[].name' <<<"${PLAINTEXT_FILES}"); do
    age -R "${recipients}" -o "${dir}/${name}.age" "${dir}/${name}" 2>"${dir}/.age.err" ||
      fail "encrypting ${name} with age failed: $(no_space_hint "${dir}" "$(cat "${dir}/.age.err")")"
    rm -f "${dir}/${name}" "${dir}/.age.err"
  done
}

# manifest_check DIR: every file the manifest lists is there with its size and sha256, and nothing else is.
# Sets MANIFEST. Fails naming each difference: a backup whose checksums fail is never restored.
manifest_check() {
  local dir="$1" problems
  [[ -f "${dir}/manifest.json" ]] || fail "backup ${dir} has no manifest.json: it is incomplete. Choose another backup."
  MANIFEST="$(jq -c . "${dir}/manifest.json" 2>/dev/null)" || fail "backup ${dir}: manifest.json is not JSON."
  problems="$(jq -rn --argjson want "$(jq -c '.files' <<<"${MANIFEST}")" --argjson have "$(files_json "${dir}")" '
    ($want | map({(.name): .}) | add // {}) as $w | ($have | map({(.name): .}) | add // {}) as $h
    | [($w + $h) | keys[] as $k
       | if $h[$k] == null then "\($k) is missing"
         elif $w[$k] == null then "\($k) is not in the manifest"
         elif $w[$k].bytes != $h[$k].bytes then "\($k) has \($h[$k].bytes) bytes, the manifest says \($w[$k].bytes)"
         elif $w[$k].sha256 != $h[$k].sha256 then "\($k) has sha256 \($h[$k].sha256[0:12])…, the manifest says \($w[$k].sha256[0:12])…"
         else empty end] | join("; ")')"
  [[ -z "${problems}" ]] || fail "backup $(basename "${dir}") fails its checksums: ${problems}. Refusing it; choose another backup."
}

# decrypt_files DIR OUT IDENTITY: writes each NAME.age of DIR as OUT/NAME and checks it against the
# manifest's plaintext checksums.
decrypt_files() {
  local dir="$1" out="$2" identity="$3" name want
  [[ -r "${identity}" ]] || fail "backup $(basename "${dir}") is encrypted: pass --identity FILE (or SLIPWAY_BACKUP_AGE_IDENTITY) with its age identity."
  for name in $(jq -r '.encryption.plaintext[].name' <<<"${MANIFEST}"); do
    age -d -i "${identity}" -o "${out}/${name}" "${dir}/${name}.age" 2>"${out}/.age.err" ||
      fail "decrypting ${name}.age failed: $(tail -n 1 "${out}/.age.err"). Is ${identity} the identity for this backup?"
    want="$(jq -r --arg n "${name}" '.encryption.plaintext[] | select(.name == $n) | .sha256' <<<"${MANIFEST}")"
    [[ "$(file_sha256 "${out}/${name}")" == "${want}" ]] || fail "decrypted ${name} does not match the manifest's checksum."
  done
  rm -f "${out}/.age.err"
}

# retention_plan KEEP-DAILY: reads verified backup names newest first; prints "keep NAME" or "delete NAME".
# Keeps the newest backup of each of the KEEP-DAILY newest days that have one; the newest backup overall is
# always kept (it is the newest of its day).
retention_plan() {
  awk -v keep="$1" '
    { day = substr($0, 1, 8) }
    !(day in seen) && days < keep { seen[day] = 1; days++; print "keep " $0; next }
    { print "delete " $0 }'
}

# retention_apply DIR KEEP-DAILY [--dry-run]: deletes what retention_plan says, and stale temporary folders
# of runs that died more than a day ago. Prints what it deleted (or would delete).
retention_apply() {
  local dir="$1" keep="$2" dry="${3:-}" action name
  while read -r action name; do
    [[ "${action}" == delete ]] || continue
    printf '%s\n' "${name}"
    [[ -n "${dry}" ]] || rm -rf "${dir:?}/${name}"
  done < <(backups_verified "${dir}" | retention_plan "${keep}")
  while IFS= read -r name; do
    printf '%s\n' "${name}"
    [[ -n "${dry}" ]] || rm -rf "${dir:?}/${name}"
  done < <(find "${dir}" -mindepth 1 -maxdepth 1 -type d -name '.incomplete-*' -mmin +1440 -printf '%f\n')
}
