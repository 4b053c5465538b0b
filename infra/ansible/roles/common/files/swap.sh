#!/usr/bin/env bash
# Gives the host a swap file when it has no swap. Shared by role common (run with the script module) and
# infra/scripts/setup-vps.sh (embedded). Prints one line, "ok: …", "changed: …" or "skipped: …", and exits 0
# for each; where the kernel refuses swap (a container, some filesystems) it removes the file and says why.
# Usage: swap.sh FILE SIZE_MB [--dry-run]
set -euo pipefail

main() {
  local file="$1" size_mb="$2" dry_run="${3:-}" active err
  active="$(swapon --show=NAME --noheadings | paste -sd ' ')"
  if [[ -n "${active}" ]]; then
    echo "ok: swap is active (${active})"
    return 0
  fi
  if [[ "${dry_run}" == --dry-run ]]; then
    echo "changed: would create ${file} (${size_mb} MiB) and enable it"
    return 0
  fi
  rm -f "${file}"
  if ! err="$( (fallocate -l "${size_mb}M" "${file}" && chmod 0600 "${file}" && mkswap "${file}" && swapon "${file}") 2>&1 >/dev/null)"; then
    rm -f "${file}"
    echo "skipped: the kernel refused swap on ${file} (${err##*: })"
    return 0
  fi
  grep -qE "^${file}[[:space:]]" /etc/fstab || printf '%s none swap sw 0 0\n' "${file}" >>/etc/fstab
  echo "changed: ${file} (${size_mb} MiB) enabled"
}

main "$@"
