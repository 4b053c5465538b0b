#!/usr/bin/env bash
# The hosts' Debian mirror: apt-cacher-ng on the hosts' gateway. A bare host's apt is pointed at it the way a
# cloud image points at its provider's mirror; it fetches from the Debian archive (the hosts have no other
# route out) and caches the packages machine-wide, so a second host, or a recreated one, installs from the cache.
# Sourced after common.sh.

APT_PROXY_STATE="${STATE}/apt-proxy"
APT_PROXY_CACHE="${CACHE_DIR}/apt-cacher-ng"

apt_proxy_url() { printf 'http://%s:%s' "${HOSTS_GATEWAY}" "${APT_PROXY_PORT}"; }

# Its own configuration, not the package's /etc/apt-cacher-ng: that one remaps deb.debian.org to a mirror
# list chosen at install time; this one forwards to whichever archive the host asks for.
apt_proxy_config() {
  cat <<CONFIG
CacheDir: ${APT_PROXY_CACHE}
LogDir: ${LOG_DIR}/apt-cacher-ng
SupportDir: /usr/lib/apt-cacher-ng
BindAddress: ${HOSTS_GATEWAY}
Port: ${APT_PROXY_PORT}
PidFile: ${HOSTS_RUN_DIR}/apt-cacher-ng.pid
SocketPath: ${APT_PROXY_STATE}/socket
ReportPage: acng-report.html
ExThreshold: 4
CONFIG
}

apt_proxy_answers() {
  [[ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$(apt_proxy_url)/acng-report.html")" == 200 ]]
}

apt_proxy_up() {
  local pidfile="${HOSTS_RUN_DIR}/apt-cacher-ng.pid"
  need_commands apt-cacher-ng apt-cacher-ng
  mkdir -p "${APT_PROXY_STATE}" "${APT_PROXY_CACHE}" "${LOG_DIR}/apt-cacher-ng"
  apt_proxy_config >"${APT_PROXY_STATE}/acng.conf"
  pid_alive "${pidfile}" apt-cacher-ng && apt_proxy_answers && return 0
  stop_pidfile "${pidfile}" apt-cacher-ng 5
  nohup setsid /usr/sbin/apt-cacher-ng -c "${APT_PROXY_STATE}" ForeGround=1 \
    </dev/null >>"${LOG_DIR}/apt-cacher-ng/daemon.log" 2>&1 9>&- &
  wait_for "apt proxy on $(apt_proxy_url)" 20 apt_proxy_answers
}

apt_proxy_down() { stop_pidfile "${HOSTS_RUN_DIR}/apt-cacher-ng.pid" apt-cacher-ng 10; }
