#!/usr/bin/env bash
# Prints what a Slipway host's setup decides, one fact per line as "section<TAB>key<TAB>value", sorted, so two
# hosts set up by different means (setup-vps.sh, Ansible) compare with a plain diff. Secrets appear only as
# sha256 digests. Run as root on the host (the drill pipes it through the console: docker exec -i … bash -s).
# Ids the kernel or Docker hand out (uids of system users, network ids, subnets) are left out on purpose.
set -euo pipefail

readonly MANAGED_FILES=(
  /etc/nftables.conf
  /etc/systemd/system/nftables.service.d/10-slipway.conf
  /etc/ssh/sshd_config.d/00-slipway.conf
  /etc/systemd/journald.conf.d/00-slipway.conf
  /etc/apt/apt.conf.d/20auto-upgrades
  /etc/docker/daemon.json
  /home/deploy/.ssh/authorized_keys
  /home/deploy/.docker/config.json
  /root/.ssh/authorized_keys
  /etc/slipway/backup.env
  /etc/systemd/system/slipway-backup.service
  /etc/systemd/system/slipway-backup.timer
  /etc/systemd/system/slipway-supervise.service
  /etc/systemd/system/slipway-supervise.timer
)
readonly UNITS=(ssh docker nftables apt-daily.timer apt-daily-upgrade.timer unattended-upgrades systemd-journald
  slipway-backup.timer slipway-supervise.timer)

fact() { printf '%s\t%s\t%s\n' "$1" "$2" "$3"; }

users() {
  local name home shell status
  while IFS=: read -r name _ _ _ _ home shell; do
    status="$(passwd -S "${name}" | awk '{print $2}')"
    fact user "${name}" "home=${home} shell=${shell} password=${status} groups=$(id -nG "${name}" | tr ' ' '\n' | sort | paste -sd,)"
  done < <(getent passwd)
}

sshd_settings() {
  local line
  while read -r line; do fact sshd "${line%% *}" "${line#* }"; done < <(/usr/sbin/sshd -T | sort)
  while read -r line; do fact sshd-root-from-outside "${line%% *}" "${line#* }"; done < <(/usr/sbin/sshd -T -C user=root,host=outside,addr=192.0.2.10 | sort)
}

firewall() {
  local n=0 line
  while IFS= read -r line; do
    n=$((n + 1))
    fact firewall "$(printf '%03d' "${n}")" "${line#"${line%%[![:space:]]*}"}"
  done < <(nft list table inet slipway 2>&1)
}

packages() {
  local pkg version status
  while read -r pkg version status; do fact package "${pkg}" "${version} ${status}"; done < <(
    dpkg-query -W -f '${Package} ${Version} ${db:Status-Abbrev}\n'
  )
}

engine() {
  fact engine server-version "$(docker version --format '{{.Server.Version}}' 2>&1)"
  fact engine compose-version "$(docker compose version --short 2>&1)"
  fact engine info "$(docker info --format '{{.Driver}} {{.LoggingDriver}} {{.CgroupDriver}} live-restore={{.LiveRestoreEnabled}} mirrors={{.RegistryConfig.Mirrors}}' 2>&1)"
  fact engine daemon.json "$(jq -S -c . /etc/docker/daemon.json 2>&1)"
  local net
  for net in $(docker network ls --format '{{.Name}}' | sort); do
    fact network "${net}" "$(docker network inspect -f 'driver={{.Driver}} internal={{.Internal}}' "${net}")"
  done
  local cert
  for cert in /etc/docker/certs.d/*/ca.crt; do
    [[ -e "${cert}" ]] && fact registry-ca "${cert}" "$(sha256sum <"${cert}" | cut -c1-16)"
  done
  fact engine deploy-logins "$(jq -c '.auths | keys' /home/deploy/.docker/config.json 2>&1)"
}

files() {
  local file
  for file in "${MANAGED_FILES[@]}"; do
    if [[ -e "${file}" ]]; then
      fact file "${file}" "$(stat -c '%a %U:%G' "${file}") sha256=$(sha256sum <"${file}" | cut -c1-16)"
    else
      fact file "${file}" missing
    fi
  done
  fact file /srv/slipway "$(stat -c '%F %a %U:%G' /srv/slipway 2>&1)"
}

system() {
  local unit
  for unit in "${UNITS[@]}"; do
    fact unit "${unit}" "$(systemctl is-enabled "${unit}" 2>&1 | head -n1) $(systemctl is-active "${unit}" 2>&1 | head -n1)"
  done
  fact system timezone "$(timedatectl show -p Timezone --value)"
  fact system swap "$(swapon --show=NAME,SIZE --noheadings | paste -sd ' ')"
  fact system journald "$(systemd-analyze cat-config systemd/journald.conf 2>/dev/null | grep -E '^(SystemMaxUse|MaxRetentionSec)=' | sort | paste -sd ' ')"
}

main() {
  { users; sshd_settings; firewall; packages; engine; files; system; } | LC_ALL=C sort
}

main "$@"
