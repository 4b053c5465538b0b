#!/usr/bin/env bash
# Runs on the VPS (`bash -s -- SECONDS CONTAINER...` over SSH, as the deploy user): samples the memory cgroup
# of each container from inside it (so the host's cgroup layout does not matter; v1 and v2) every half second
# for SECONDS, then prints one JSON line per container: {name, peakUsage, peakRss, limit} in bytes. Usage is
# what the memory limit acts on (RSS plus page cache and tmpfs); RSS is the processes' anonymous memory.
set -euo pipefail

# One sample: "usage rss limit" of the container's own cgroup.
sample() {
  docker exec "$1" sh -c '
    if [ -r /sys/fs/cgroup/memory/memory.usage_in_bytes ]; then
      d=/sys/fs/cgroup/memory
      echo "$(cat $d/memory.usage_in_bytes) $(sed -n "s/^total_rss //p" $d/memory.stat) $(cat $d/memory.limit_in_bytes)"
    else
      d=/sys/fs/cgroup
      echo "$(cat $d/memory.current) $(sed -n "s/^anon //p" $d/memory.stat) $(cat $d/memory.max)"
    fi' 2>/dev/null || true
}

main() {
  local seconds="$1" name usage rss limit
  shift
  local -A peak_usage=() peak_rss=() limits=()
  local end=$((SECONDS + seconds))
  while ((SECONDS < end)); do
    for name in "$@"; do
      read -r usage rss limit < <(sample "${name}") || continue
      [[ "${usage}" =~ ^[0-9]+$ && "${rss}" =~ ^[0-9]+$ ]] || continue
      ((usage > ${peak_usage[${name}]:-0})) && peak_usage[${name}]="${usage}"
      ((rss > ${peak_rss[${name}]:-0})) && peak_rss[${name}]="${rss}"
      limits[${name}]="${limit}"
    done
    sleep 0.5
  done
  for name in "$@"; do
    printf '{"name":"%s","peakUsage":%s,"peakRss":%s,"limit":"%s"}\n' "${name}" "${peak_usage[${name}]:-0}" \
      "${peak_rss[${name}]:-0}" "${limits[${name}]:-unknown}"
  done
}

if [[ "${BASH_SOURCE[0]:-$0}" == "$0" ]]; then
  main "$@"
fi
