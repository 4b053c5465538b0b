#!/usr/bin/env bash
# setup-vps.sh: makes a fresh Debian 12 or 13 server a Slipway host: Docker engine and Compose v2 from the
# distribution, swap, unattended security upgrades, time zone and journald limits, a key-only `deploy` user with
# docker access and registry credentials, the release's Docker networks, the deploy engine's app directory, an
# nftables firewall (22/80/443) and sshd hardening. Caddy is not installed: it runs as the release's proxy
# container. The same host results from infra/ansible's setup.yml: both read the roles' facts (generated block).
# Run it as root, e.g. `ssh root@HOST 'bash -s' -- [flags] < setup-vps.sh`, or from cloud-init (docs/INFRA.md).
# Idempotent: one line per step (ok|changed|skipped), then `setup-vps: N changed`; a second run says 0 changed.
set -euo pipefail

usage() {
  cat <<'USAGE'
Usage: setup-vps.sh --deploy-key KEY|FILE [options]

  --deploy-key KEY|FILE         public key line(s) authorised for the deploy user (repeatable; a file may hold
                                several lines). Required until the deploy user has an authorised key.
  --registry HOST[:PORT]        registry the deploy user's docker logs in to (e.g. ghcr.io)
  --registry-user NAME          with --registry
  --registry-password-file F    with --registry: a file on this host holding the password or token (never
                                pass a secret on the command line)
  --registry-ca FILE            a CA certificate the engine trusts for --registry and --registry-mirror
  --registry-mirror URL         a Docker Hub mirror (https://HOST[:PORT]) for the engine (repeatable)
  --keep-root-login             let root keep logging in with a key (PermitRootLogin prohibit-password), e.g.
                                for Ansible; by default root may not log in after setup
  --timezone ZONE               default Etc/UTC
  --skip STEP                   leave out a step (repeatable); steps are listed below
  --dry-run                     print what would change, change nothing
  -h, --help

Steps, in order:
USAGE
  local entry
  for entry in "${STEPS[@]}"; do printf '  %-15s %s\n' "${entry%% *}" "${entry#* }"; done
}

# >>> generated from infra/ansible/roles by scripts/build/setup-vps-facts.mjs: edit the roles, then npm run build
# role common
common_packages=('ca-certificates' 'iproute2' 'jq' 'netbase' 'nftables' 'tzdata' 'unattended-upgrades')
common_timezone='Etc/UTC'
common_journald_config_file='/etc/systemd/journald.conf.d/00-slipway.conf'
common_journald_system_max_use='200M'
common_journald_max_retention='1month'
common_swap_file='/swapfile'
common_swap_size_mb=2048
common_auto_upgrades_file='/etc/apt/apt.conf.d/20auto-upgrades'
common_deploy_user='deploy'
common_sshd_config_file='/etc/ssh/sshd_config.d/00-slipway.conf'
common_sshd_permit_root_login='no'
common_firewall_config_file='/etc/nftables.conf'
common_firewall_unit_dropin='/etc/systemd/system/nftables.service.d/10-slipway.conf'
common_firewall_tcp_ports=(22 80 443)
# role docker
docker_packages=('docker.io')
docker_cli_package='docker-cli'
docker_compose_package='docker-compose'
docker_compose_suite='trixie'
docker_compose_apt_dir='/var/lib/slipway/apt-compose'
docker_compose_apt_mirror='http://deb.debian.org/debian'
docker_daemon_config_file='/etc/docker/daemon.json'
docker_daemon_config='{"live-restore":true,"log-driver":"json-file","log-opts":{"max-file":"3","max-size":"10m"}}'
docker_registry_mirrors=()
docker_registry_ca_hosts=()
# role caddy
caddy_networks=('{"name":"slipway-edge","internal":false}' '{"name":"slipway-backend","internal":true}')
caddy_ports=(80 443)
# role app
app_dir='/srv/slipway'
app_user="${common_deploy_user}"
app_packages=('bsdextrautils' 'jq' 'procps')
app_supervise_grace_seconds=30
app_registry=''
app_registry_username=''
app_health_timeout_seconds=120
# role backup
backup_install_dir='/usr/local/lib/slipway'
backup_user='deploy'
backup_app_dir='/srv/slipway'
backup_dir='/var/backups/slipway'
backup_keep_daily=7
backup_on_calendar='*-*-* 03:00:00 UTC'
backup_randomized_delay='10min'
backup_timeout='3h'
backup_lock_wait_seconds=600
backup_config_file='/etc/slipway/backup.env'
backup_packages=('age' 'jq')
backup_age_recipients=''
backup_offsite=''
backup_offsite_port=22
backup_offsite_key=''
backup_offsite_known_hosts=''
render_sshd_conf() {
  cat <<SLIPWAY_TEMPLATE
# Slipway's sshd hardening (role common / setup-vps.sh). Read before Debian's defaults and any cloud-init
# drop-in (first value wins), so a provider image cannot turn passwords back on.
PermitRootLogin ${common_sshd_permit_root_login}
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitEmptyPasswords no
PubkeyAuthentication yes
AuthenticationMethods publickey
MaxAuthTries 3
LoginGraceTime 30
X11Forwarding no
AllowAgentForwarding no
ClientAliveInterval 60
ClientAliveCountMax 3
SLIPWAY_TEMPLATE
}
render_journald_conf() {
  cat <<SLIPWAY_TEMPLATE
# Slipway's journald limits (role common / setup-vps.sh): a small VPS keeps logs within a fixed budget.
[Journal]
SystemMaxUse=${common_journald_system_max_use}
MaxRetentionSec=${common_journald_max_retention}
SLIPWAY_TEMPLATE
}
render_nftables_conf() {
  cat <<SLIPWAY_TEMPLATE
#!/usr/sbin/nft -f
# Slipway's firewall (role common / setup-vps.sh). It owns one table and never flushes the ruleset, so Docker's
# own NAT and filter rules survive a reload.
table inet slipway
delete table inet slipway
table inet slipway {
	chain input {
		type filter hook input priority filter; policy drop;
		ct state established,related accept
		ct state invalid drop
		iif "lo" accept
		meta l4proto { icmp, ipv6-icmp } accept
		iifname { "docker0", "br-*" } accept
		tcp dport { $(join_by ', ' "${common_firewall_tcp_ports[@]}") } accept
	}

	# Ports Docker publishes are forwarded after DNAT and never reach the input chain: admit the same ports.
	chain forward {
		type filter hook forward priority filter; policy accept;
		iifname { "docker0", "br-*" } accept
		ct status dnat meta l4proto tcp ct original proto-dst { $(join_by ', ' "${common_firewall_tcp_ports[@]}") } accept
		ct status dnat drop
	}
}
SLIPWAY_TEMPLATE
}
render_compose_apt_list() {
  cat <<SLIPWAY_TEMPLATE
deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] ${docker_compose_apt_mirror} ${docker_compose_suite} main
SLIPWAY_TEMPLATE
}
render_slipway_supervise_service() {
  cat <<SLIPWAY_TEMPLATE
# Runs \`slipway supervise\` once: when the live release has stayed unhealthy longer than its grace period, the
# engine records it in the ledger, restarts what is down and, if that is not enough, rolls back to the previous
# release (docs/RUNBOOK.md, "The supervisor"). Started by slipway-supervise.timer; what it did:
# journalctl -u slipway-supervise. Installed by role app and by infra/scripts/setup-vps.sh (step supervise).
[Unit]
Description=Slipway: supervise the live release (restart it, or roll back, when it stays unhealthy)
After=docker.service
Requires=docker.service

[Service]
Type=oneshot
User=${app_user}
Environment=SLIPWAY_APP_DIR=${app_dir}
# The engine arrives with the first deploy: until then a run is skipped, not failed (no failed unit, no error in
# the journal every 15 s). An ExecCondition is part of each start, so the timer's OnUnitActiveSec keeps counting.
ExecCondition=/usr/bin/test -x ${app_dir}/bin/slipway
ExecStart=${app_dir}/bin/slipway supervise --grace ${app_supervise_grace_seconds} --health-timeout ${app_health_timeout_seconds}
# A rollback it starts may take a few minutes; a hung run must not block the next ones forever.
TimeoutStartSec=10min
NoNewPrivileges=yes
PrivateTmp=yes
ProtectSystem=full
SLIPWAY_TEMPLATE
}
render_slipway_supervise_timer() {
  cat <<SLIPWAY_TEMPLATE
# Starts slipway-supervise.service every 15 seconds (a run that finds the release healthy takes under a second),
# and a minute after boot, once Docker has restarted the containers itself.
# Installed by role app and by infra/scripts/setup-vps.sh (step supervise).
[Unit]
Description=Slipway: supervise the live release every 15 seconds

[Timer]
OnBootSec=1min
OnUnitActiveSec=15s
AccuracySec=1s

[Install]
WantedBy=timers.target
SLIPWAY_TEMPLATE
}
render_backup_env() {
  cat <<SLIPWAY_TEMPLATE
# Slipway backup settings (KEY=VALUE, no shell), read by backup-db.sh and restore-db.sh --config.
# Written by role backup and infra/scripts/setup-vps.sh; an empty value means the feature is off.
SLIPWAY_APP_DIR=${backup_app_dir}
SLIPWAY_BACKUP_DIR=${backup_dir}
SLIPWAY_BACKUP_KEEP_DAILY=${backup_keep_daily}
SLIPWAY_BACKUP_LOCK_WAIT=${backup_lock_wait_seconds}
SLIPWAY_BACKUP_AGE_RECIPIENTS=${backup_age_recipients}
SLIPWAY_BACKUP_OFFSITE=${backup_offsite}
SLIPWAY_BACKUP_OFFSITE_PORT=${backup_offsite_port}
SLIPWAY_BACKUP_OFFSITE_KEY=${backup_offsite_key}
SLIPWAY_BACKUP_OFFSITE_KNOWN_HOSTS=${backup_offsite_known_hosts}
SLIPWAY_TEMPLATE
}
render_slipway_backup_service() {
  cat <<SLIPWAY_TEMPLATE
# The daily backup of PostgreSQL and ChromaDB, verified by a restore before it counts (infra/scripts/backup-db.sh,
# docs/DISASTER_RECOVERY.md). Started by slipway-backup.timer; by hand: systemctl start slipway-backup.service,
# then journalctl -u slipway-backup.service. Installed by role backup and by infra/scripts/setup-vps.sh.
[Unit]
Description=Slipway backup of PostgreSQL and ChromaDB, verified by a restore
Wants=docker.service network-online.target
After=docker.service network-online.target
# Nothing to back up until the first deploy has made the infra project.
ConditionPathExists=${backup_app_dir}/infra/compose.yaml

[Service]
Type=oneshot
User=${backup_user}
Group=${backup_user}
SupplementaryGroups=docker
ExecStart=${backup_install_dir}/infra/scripts/backup-db.sh --config ${backup_config_file}
# Behind the api for CPU and disk: a backup may take longer, the service must not slow down.
Nice=10
IOSchedulingClass=best-effort
IOSchedulingPriority=7
TimeoutStartSec=${backup_timeout}
UMask=0077
NoNewPrivileges=yes
ProtectSystem=strict
ReadWritePaths=${backup_app_dir} ${backup_dir}
ProtectHome=read-only
PrivateTmp=yes
PrivateDevices=yes
ProtectKernelTunables=yes
ProtectKernelModules=yes
ProtectControlGroups=yes
RestrictSUIDSGID=yes
RestrictRealtime=yes
LockPersonality=yes
CapabilityBoundingSet=
SystemCallArchitectures=native
SLIPWAY_TEMPLATE
}
render_slipway_backup_timer() {
  cat <<SLIPWAY_TEMPLATE
# When slipway-backup.service runs: daily, plus a run at boot when the last one was missed (Persistent), a few
# minutes late at random so hosts set up alike do not all back up to one off-site host at once.
# Installed by role backup and by infra/scripts/setup-vps.sh.
[Unit]
Description=Daily Slipway backup

[Timer]
OnCalendar=${backup_on_calendar}
Persistent=true
RandomizedDelaySec=${backup_randomized_delay}

[Install]
WantedBy=timers.target
SLIPWAY_TEMPLATE
}
file_20auto_upgrades() {
  cat <<'SLIPWAY_FILE'
// Slipway (role common / setup-vps.sh): refresh the package lists and apply security updates every day.
APT::Periodic::Update-Package-Lists "1";
APT::Periodic::Unattended-Upgrade "1";
SLIPWAY_FILE
}
file_nftables_keep_docker_conf() {
  cat <<'SLIPWAY_FILE'
# Slipway (role common / setup-vps.sh): stopping nftables removes only Slipway's table; Debian's default
# `nft flush ruleset` would also drop Docker's rules.
[Service]
ExecStop=
ExecStop=/usr/sbin/nft delete table inet slipway
SLIPWAY_FILE
}
file_swap_sh() {
  cat <<'SLIPWAY_FILE'
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
SLIPWAY_FILE
}
# <<< generated

# The steps, in order: "name what". Step NAME runs the function step_NAME (dashes become underscores).
readonly STEPS=(
  "packages base packages (role common)"
  "timezone system time zone"
  "journald journald size and retention limits"
  "swap a swap file where the kernel allows one"
  "upgrades unattended security upgrades"
  "docker Docker engine from the distribution"
  "compose Docker Compose v2"
  "docker-config daemon.json, registry CA and mirror"
  "deploy-user key-only deploy user with docker access"
  "registry-login registry credentials for the deploy user"
  "proxy ports 80/443 free for the release's proxy container"
  "networks the release's Docker networks"
  "app-dir the deploy engine's host part (app dir, jq)"
  "supervise the supervisor's 15 s timer: restarts or rolls back a live release that stays unhealthy"
  "backup the backup's directory, settings and daily timer (the tools come with infra/ansible/backup.yml)"
  "firewall nftables: 22/80/443, loopback and Docker bridges"
  "sshd sshd hardening: keys only, no root login unless asked"
)
readonly LOG_FILE=/var/log/slipway-setup.log

DRY_RUN=0
SKIP=()
DEPLOY_KEYS=()
REGISTRY_USER="" REGISTRY_PASSWORD_FILE="" REGISTRY_CA=""
WORK="" STEP=""

say() { printf 'setup-vps: %s\n' "$*"; }
die_usage() { printf 'setup-vps: error: %s\n' "$*" >&2; exit 2; }
join_by() {
  local sep="$1" out="" item
  shift
  for item in "$@"; do out+="${out:+${sep}}${item}"; done
  printf '%s' "${out}"
}

# --- what a step uses to report and change things --------------------------------------------------------

# note WHAT: the current step changes WHAT (in a dry run it only says so).
note() {
  printf '%s\n' "$1" >>"${WORK}/changes"
  if ((DRY_RUN)); then say "  would ${1}"; else log "${STEP}: ${1}"; fi
}
# act WHAT COMMAND...: note WHAT, then run COMMAND (not in a dry run) with its output in the log.
act() {
  note "$1"
  shift
  ((DRY_RUN)) || "$@" </dev/null >>"${LOG_FILE}" 2>&1
}
skip_step() { printf '%s\n' "$1" >"${WORK}/skipped"; }
fail() { printf '%s\n' "$1" >"${WORK}/error"; exit 1; }
log() { printf '%s %s\n' "$(date -u +%FT%TZ)" "$*" >>"${LOG_FILE}"; }

installed() { [[ "$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null)" == installed ]]; }
apt_get() { DEBIAN_FRONTEND=noninteractive apt-get -q -y -o DPkg::Lock::Timeout=300 "$@" </dev/null; }
apt_install() {
  if [[ ! -e "${WORK}/apt-updated" ]]; then apt_get update && touch "${WORK}/apt-updated"; fi
  apt_get install --no-install-recommends "$@"
}
ensure_packages() {
  local missing=() pkg
  for pkg in "$@"; do installed "${pkg}" || missing+=("${pkg}"); done
  ((${#missing[@]} == 0)) || act "install ${missing[*]}" apt_install "${missing[@]}"
}

# write_file PATH MODE OWNER GENERATOR [ARGS...]: makes PATH hold GENERATOR's output with MODE and OWNER
# (user:group). Sets WROTE=1 when anything changed.
write_file() {
  local file="$1" mode="$2" owner="$3" tmp
  shift 3
  WROTE=0
  tmp="${WORK}/file"
  "$@" >"${tmp}"
  if [[ -f "${file}" ]] && cmp -s "${tmp}" "${file}" &&
    [[ "$(stat -c '%a %U:%G' "${file}")" == "${mode#0} ${owner}" ]]; then
    return 0
  fi
  WROTE=1
  act "write ${file}" install -D -m "${mode}" -o "${owner%%:*}" -g "${owner#*:}" "${tmp}" "${file}"
}

service_on() {
  local unit="$1"
  systemctl is-enabled --quiet "${unit}" 2>/dev/null || act "enable ${unit}" systemctl enable "${unit}"
  systemctl is-active --quiet "${unit}" 2>/dev/null || act "start ${unit}" systemctl start "${unit}"
}

docker_up() { command -v docker >/dev/null && docker info >/dev/null 2>&1; }

# --- the steps ------------------------------------------------------------------------------------------------

step_packages() { ensure_packages "${common_packages[@]}"; }

step_timezone() {
  [[ "$(timedatectl show -p Timezone --value 2>/dev/null)" == "${common_timezone}" ]] ||
    act "set the time zone to ${common_timezone}" timedatectl set-timezone "${common_timezone}"
}

step_journald() {
  write_file "${common_journald_config_file}" 0644 root:root render_journald_conf
  ((WROTE == 0)) || act "restart systemd-journald" systemctl restart systemd-journald
}

step_swap() {
  local out dry=()
  ((DRY_RUN)) && dry=(--dry-run)
  out="$(file_swap_sh | bash -s -- "${common_swap_file}" "${common_swap_size_mb}" "${dry[@]}")"
  case "${out}" in
    ok:*) ;;
    changed:*) printf '%s\n' "${out#changed: }" >>"${WORK}/changes"; ((DRY_RUN)) && say "  ${out#changed: }" ;;
    skipped:*) skip_step "${out#skipped: }" ;;
    *) fail "unexpected answer from the swap helper: ${out}" ;;
  esac
}

step_upgrades() {
  write_file "${common_auto_upgrades_file}" 0644 root:root file_20auto_upgrades
  local timer
  for timer in apt-daily.timer apt-daily-upgrade.timer; do service_on "${timer}"; done
}

step_docker() {
  ensure_packages "${docker_packages[@]}"
  # A version in the archive, not just the name (Debian 12 knows docker-cli only as a recommendation).
  if [[ -n "$(apt-cache madison "${docker_cli_package}" 2>/dev/null)" ]]; then ensure_packages "${docker_cli_package}"; fi
  service_on docker
}

compose_ok() {
  installed "${docker_compose_package}" &&
    [[ "$(dpkg-query -W -f='${Version}' "${docker_compose_package}")" == 2.* ]] &&
    docker compose version >/dev/null 2>&1
}

# Debian 12 lacks Compose v2: fetch the package from docker_compose_suite with a private apt state (its own
# sources, lists and cache), then install the downloaded file with the system's apt.
fetch_compose_deb() {
  local dir="${docker_compose_apt_dir}"
  local opts=("-oDir::State::Lists=${dir}/lists" "-oDir::Etc::SourceList=${dir}/sources.list"
    -oDir::Etc::SourceParts=/dev/null "-oDir::Cache=${dir}/cache")
  mkdir -p "${dir}/lists/partial" "${dir}/cache/archives/partial" "${dir}/debs"
  render_compose_apt_list >"${dir}/sources.list"
  apt_get "${opts[@]}" update
  rm -f "${dir}"/debs/*.deb
  (cd "${dir}/debs" && apt_get "${opts[@]}" download "${docker_compose_package}")
  apt_get install --no-install-recommends "${dir}"/debs/*.deb
}

step_compose() {
  compose_ok && return 0
  if [[ "$(os_field VERSION_CODENAME)" == bookworm ]]; then
    act "install ${docker_compose_package} from ${docker_compose_suite}" fetch_compose_deb
  else
    ensure_packages "${docker_compose_package}"
  fi
}

daemon_json() {
  jq -S --indent 2 --argjson mirrors "$(printf '%s\n' "${docker_registry_mirrors[@]}" | jq -R . | jq -s 'map(select(. != ""))')" \
    'if ($mirrors | length) > 0 then . + {"registry-mirrors": $mirrors} else . end' <<<"${docker_daemon_config}"
}

step_docker_config() {
  local restart=0 host
  if command -v jq >/dev/null; then
    write_file "${docker_daemon_config_file}" 0644 root:root daemon_json
    restart="${WROTE}"
  else
    note "write ${docker_daemon_config_file}"
  fi
  if [[ -n "${REGISTRY_CA}" ]]; then
    for host in "${docker_registry_ca_hosts[@]}"; do
      write_file "/etc/docker/certs.d/${host}/ca.crt" 0644 root:root cat "${REGISTRY_CA}"
    done
  fi
  ((restart == 0)) || act "restart docker (daemon.json changed)" systemctl restart docker
}

step_deploy_user() {
  local user="${common_deploy_user}" home="/home/${common_deploy_user}"
  id "${user}" >/dev/null 2>&1 || act "create the user ${user}" useradd --create-home --shell /bin/bash "${user}"
  id -nG "${user}" 2>/dev/null | tr ' ' '\n' | grep -qx docker ||
    act "add ${user} to the docker group" usermod -aG docker "${user}"
  if [[ ! -d "${home}/.ssh" ]] || [[ "$(stat -c '%a %U' "${home}/.ssh")" != "700 ${user}" ]]; then
    act "make ${home}/.ssh" install -d -m 0700 -o "${user}" -g "${user}" "${home}/.ssh"
  fi
  if ((${#DEPLOY_KEYS[@]})); then
    write_file "${home}/.ssh/authorized_keys" 0600 "${user}:${user}" printf '%s\n' "${DEPLOY_KEYS[@]}"
  fi
}

step_registry_login() {
  local config="/home/${app_user}/.docker/config.json" password want have=""
  if [[ -z "${app_registry}" ]]; then skip_step "no --registry given"; return 0; fi
  password="$(<"${REGISTRY_PASSWORD_FILE}")"
  want="$(printf '%s:%s' "${app_registry_username}" "${password}" | base64 -w0)"
  [[ -f "${config}" ]] && have="$(jq -r --arg r "${app_registry}" '.auths[$r].auth // empty' "${config}" 2>/dev/null)"
  [[ "${have}" == "${want}" ]] && return 0
  note "log ${app_user} in to ${app_registry}"
  ((DRY_RUN)) && return 0
  runuser -u "${app_user}" -- env HOME="/home/${app_user}" docker login --username "${app_registry_username}" \
    --password-stdin "${app_registry}" <<<"${password}" >>"${LOG_FILE}" 2>&1 ||
    fail "docker login to ${app_registry} as ${app_registry_username} failed: $(tail -n 1 "${LOG_FILE}"). Check --registry, --registry-user and the password file."
}

# Nothing but Docker's own proxy may hold the ports the release's proxy container publishes.
step_proxy() {
  local port holders
  if ! command -v ss >/dev/null; then
    ((DRY_RUN)) && say "  (ports ${caddy_ports[*]} are checked once iproute2 is installed)"
    return 0
  fi
  for port in "${caddy_ports[@]}"; do
    holders="$(ss -Hltnp "sport = :${port}" | grep -o '(("[^"]*"' | tr -d '("' | grep -vx docker-proxy | sort -u | paste -sd, || true)"
    [[ -z "${holders}" ]] ||
      fail "port ${port} is held by ${holders}. Slipway's Caddy runs as the release's proxy container: stop and disable ${holders}, then run setup-vps.sh again."
  done
}

# json_field JSON KEY: a string or boolean field of one flat JSON object (before jq may be installed).
json_field() {
  [[ "$1" =~ \"$2\":\"?([^\",}]*) ]] && printf '%s' "${BASH_REMATCH[1]}"
}

step_networks() {
  local entry name internal have create
  for entry in "${caddy_networks[@]}"; do
    name="$(json_field "${entry}" name)" internal="$(json_field "${entry}" internal)"
    if ! docker_up; then note "create the Docker network ${name}"; continue; fi
    have="$(docker network inspect -f '{{.Internal}}' "${name}" 2>/dev/null)" || have=missing
    create=(docker network create)
    [[ "${internal}" == true ]] && create+=(--internal)
    case "${have}" in
      missing) act "create the Docker network ${name}" "${create[@]}" "${name}" ;;
      "${internal}") ;;
      *) fail "Docker network ${name} exists with internal=${have}; the release needs internal=${internal}. Remove it (docker network rm ${name}) and run setup-vps.sh again." ;;
    esac
  done
}

step_app_dir() {
  ensure_packages "${app_packages[@]}"
  if [[ ! -d "${app_dir}" ]] || [[ "$(stat -c '%a %U:%G' "${app_dir}")" != "755 ${app_user}:${app_user}" ]]; then
    act "make ${app_dir} for ${app_user}" install -d -m 0755 -o "${app_user}" -g "${app_user}" "${app_dir}"
  fi
}

# The units start before the first deploy: their runs are skipped until the engine is installed.
step_supervise() { timer_units slipway-supervise; }

# timer_units NAME: writes NAME.service and NAME.timer from their render functions (render_<name with _>_service,
# _timer), reloads systemd when either changed, and enables and starts the timer.
timer_units() {
  local name="$1" fn="render_${1//-/_}" units=0
  write_file "/etc/systemd/system/${name}.service" 0644 root:root "${fn}_service"
  units=$((units + WROTE))
  write_file "/etc/systemd/system/${name}.timer" 0644 root:root "${fn}_timer"
  units=$((units + WROTE))
  ((units == 0)) || act "reload systemd units" systemctl daemon-reload
  service_on "${name}.timer"
}

step_backup() {
  ensure_packages "${backup_packages[@]}"
  if [[ ! -d "${backup_dir}" ]] || [[ "$(stat -c '%a %U:%G' "${backup_dir}")" != "700 ${backup_user}:${backup_user}" ]]; then
    act "make ${backup_dir} for ${backup_user}" install -d -m 0700 -o "${backup_user}" -g "${backup_user}" "${backup_dir}"
  fi
  write_file "${backup_config_file}" 0640 "root:${backup_user}" render_backup_env
  timer_units slipway-backup
}

step_firewall() {
  local changed_config
  write_file "${common_firewall_config_file}" 0755 root:root render_nftables_conf
  changed_config="${WROTE}"
  write_file "${common_firewall_unit_dropin}" 0644 root:root file_nftables_keep_docker_conf
  ((WROTE == 0)) || act "reload systemd units" systemctl daemon-reload
  if systemctl is-active --quiet nftables 2>/dev/null &&
    { ((changed_config)) || ! nft list table inet slipway >/dev/null 2>&1; }; then
    act "load the firewall rules" systemctl reload nftables
  fi
  service_on nftables
}

step_sshd() {
  local file="${common_sshd_config_file}" backup="${WORK}/sshd-previous"
  [[ -f "${file}" ]] && cp -p "${file}" "${backup}"
  write_file "${file}" 0644 root:root render_sshd_conf
  if ((WROTE == 0 || DRY_RUN)); then return 0; fi
  if ! /usr/sbin/sshd -t >>"${LOG_FILE}" 2>&1; then
    if [[ -f "${backup}" ]]; then cp -p "${backup}" "${file}"; else rm -f "${file}"; fi
    fail "sshd rejects the hardened configuration ($(tail -n 1 "${LOG_FILE}")); the previous one is back in place."
  fi
  # A restart, not a reload: it returns once sshd listens again (Type=notify), where a reload (SIGHUP, re-exec)
  # returns before, and a client connecting right after setup would be refused. Sessions survive either way.
  act "restart sshd" systemctl restart ssh
}

# --- running the steps ----------------------------------------------------------------------------------------

# shellcheck source=/dev/null
os_field() { (. /etc/os-release && printf '%s' "${!1:-}"); }

# run_step NAME: runs step_NAME in a subshell (set -e applies inside), prints its line; returns 1 on failure.
run_step() {
  local name="$1" fn rc=0 detail=""
  fn="step_${name//-/_}"
  STEP="${name}"
  rm -f "${WORK}/changes" "${WORK}/skipped" "${WORK}/error"
  touch "${WORK}/changes"
  if [[ " ${SKIP[*]} " == *" ${name} "* ]]; then
    say "${name} skipped: --skip ${name}"
    return 0
  fi
  log "step ${name}"
  set +e
  (
    set -e
    "${fn}"
  )
  rc=$?
  set -e
  if ((rc != 0)); then
    detail="$(cat "${WORK}/error" 2>/dev/null || true)"
    [[ -n "${detail}" ]] || detail="exit ${rc}: $(tail -n 1 "${LOG_FILE}")"
    say "${name} failed: ${detail}"
    return 1
  fi
  local count
  count="$(wc -l <"${WORK}/changes")"
  if [[ -s "${WORK}/skipped" ]]; then
    say "${name} skipped: $(cat "${WORK}/skipped")"
  elif ((count > 0)); then
    say "${name} changed: $(paste -sd ';' "${WORK}/changes" | sed 's/;/; /g')"
    CHANGED=$((CHANGED + 1))
  else
    say "${name} ok"
  fi
}

step_names() { local entry; for entry in "${STEPS[@]}"; do printf '%s\n' "${entry%% *}"; done; }

# A public key line, or a file of them; each must parse as an SSH public key.
add_deploy_keys() {
  local value="$1" lines=() line
  if [[ -f "${value}" ]]; then mapfile -t lines < <(grep -vE '^\s*(#|$)' "${value}"); else lines=("${value}"); fi
  ((${#lines[@]})) || die_usage "--deploy-key: '${value}' holds no key."
  for line in "${lines[@]}"; do
    ssh-keygen -l -f /dev/stdin <<<"${line}" >/dev/null 2>&1 ||
      die_usage "--deploy-key: not an SSH public key: '${line:0:40}…'. Pass the public key line (or a file of them)."
    DEPLOY_KEYS+=("${line}")
  done
}

need_value() { [[ -n "${2:-}" && "${2}" != --* ]] || die_usage "$1 needs a value. Run setup-vps.sh --help."; }

parse_args() {
  while (($#)); do
    case "$1" in
      --deploy-key) need_value "$@"; add_deploy_keys "$2"; shift 2 ;;
      --registry) need_value "$@"; app_registry="$2"; shift 2 ;;
      --registry-user) need_value "$@"; REGISTRY_USER="$2"; shift 2 ;;
      --registry-password-file) need_value "$@"; REGISTRY_PASSWORD_FILE="$2"; shift 2 ;;
      --registry-ca) need_value "$@"; REGISTRY_CA="$2"; shift 2 ;;
      --registry-mirror) need_value "$@"; docker_registry_mirrors+=("$2"); shift 2 ;;
      --keep-root-login) common_sshd_permit_root_login=prohibit-password; shift ;;
      --timezone) need_value "$@"; common_timezone="$2"; shift 2 ;;
      --skip) need_value "$@"; step_names | grep -qx "$2" || die_usage "--skip: unknown step '$2'. Steps: $(step_names | paste -sd ' ')."; SKIP+=("$2"); shift 2 ;;
      --dry-run) DRY_RUN=1; shift ;;
      -h | --help) usage; exit 0 ;;
      *) die_usage "unknown argument '$1'. Run setup-vps.sh --help." ;;
    esac
  done
}

# Every flag is checked before anything changes.
validate() {
  local mirror
  if [[ -n "${app_registry}" ]]; then
    [[ "${app_registry}" =~ ^[a-z0-9.-]+(:[0-9]{1,5})?$ ]] || die_usage "--registry: '${app_registry}' is not HOST[:PORT]."
    [[ -n "${REGISTRY_USER}" && -n "${REGISTRY_PASSWORD_FILE}" ]] ||
      die_usage "--registry needs --registry-user and --registry-password-file."
    [[ -r "${REGISTRY_PASSWORD_FILE}" && -s "${REGISTRY_PASSWORD_FILE}" ]] ||
      die_usage "--registry-password-file: '${REGISTRY_PASSWORD_FILE}' is missing or empty. Copy the token to this host first (mode 0600)."
    app_registry_username="${REGISTRY_USER}"
  elif [[ -n "${REGISTRY_USER}${REGISTRY_PASSWORD_FILE}" ]]; then
    die_usage "--registry-user and --registry-password-file need --registry."
  fi
  docker_registry_ca_hosts=()
  [[ -z "${app_registry}" ]] || docker_registry_ca_hosts+=("${app_registry}")
  for mirror in "${docker_registry_mirrors[@]}"; do
    [[ "${mirror}" =~ ^https://([a-z0-9.-]+(:[0-9]{1,5})?)/?$ ]] ||
      die_usage "--registry-mirror: '${mirror}' is not https://HOST[:PORT]."
    docker_registry_ca_hosts+=("${BASH_REMATCH[1]}")
  done
  if [[ -n "${REGISTRY_CA}" ]]; then
    ((${#docker_registry_ca_hosts[@]})) || die_usage "--registry-ca needs --registry or --registry-mirror."
    grep -q 'BEGIN CERTIFICATE' "${REGISTRY_CA}" 2>/dev/null ||
      die_usage "--registry-ca: '${REGISTRY_CA}' is not a PEM certificate."
  fi
  [[ "${common_timezone}" =~ ^[A-Za-z0-9_+-]+(/[A-Za-z0-9_+-]+)*$ ]] || die_usage "--timezone: '${common_timezone}' is not a zone name."
  if ((${#DEPLOY_KEYS[@]} == 0)) && [[ ! -s "/home/${common_deploy_user}/.ssh/authorized_keys" ]]; then
    die_usage "--deploy-key is required: the ${common_deploy_user} user has no authorised key yet."
  fi
}

preflight() {
  [[ "$(id -u)" == 0 ]] || die_usage "run me as root (ssh root@HOST 'bash -s' -- … < setup-vps.sh)."
  [[ "$(os_field ID)" == debian && "$(os_field VERSION_ID)" =~ ^(12|13)$ ]] ||
    die_usage "this is $(os_field PRETTY_NAME); setup-vps.sh supports Debian 12 and 13."
  [[ "$(cat /proc/1/comm 2>/dev/null)" == systemd ]] || die_usage "systemd is not PID 1 here; setup-vps.sh needs a systemd host."
}

main() {
  parse_args "$@"
  validate
  preflight
  WORK="$(mktemp -d)"
  trap 'rm -rf "${WORK}"' EXIT
  touch "${LOG_FILE}" && chmod 0600 "${LOG_FILE}"
  log "setup-vps.sh $( ((DRY_RUN)) && echo '--dry-run')"
  CHANGED=0
  local name
  while read -r name; do
    if ! run_step "${name}"; then
      say "stopped at ${name} with ${CHANGED} changed before it; see ${LOG_FILE}. Fix the cause and run setup-vps.sh again: finished steps say ok."
      exit 1
    fi
  done < <(step_names)
  if ((DRY_RUN)); then say "${CHANGED} would change (dry run: nothing was changed)"; else say "${CHANGED} changed"; fi
}

if [[ "${BASH_SOURCE[0]:-$0}" == "$0" ]]; then
  main "$@"
fi
