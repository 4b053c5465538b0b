#!/usr/bin/env bash
# The VPS stand-in of earlier versions: a network namespace with its own dockerd and sshd at 10.200.0.2,
# replaced by the bare host vps1. `down` still stops it where an earlier `up` left it running; nothing starts
# it any more. Sourced after common.sh.

readonly LEGACY_NETNS="slipway-vps"
readonly LEGACY_VETH="slipway-h"

legacy_netns_down() {
  stop_pidfile "${RUN_DIR}/vps-sshd.pid" sshd 5
  stop_pidfile "${RUN_DIR}/vps-dockerd.pid" dockerd 60
  stop_pidfile "${RUN_DIR}/registry-10.200.0.1.pid" docker-registry 10
  if [[ -e "/run/netns/${LEGACY_NETNS}" ]]; then ip netns del "${LEGACY_NETNS}"; fi
  ip link del "${LEGACY_VETH}" 2>/dev/null || true
}
