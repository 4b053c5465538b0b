#!/usr/bin/env bash
# The live release's health: its containers (the infra project and the live slot) as Docker sees them, and
# one verdict. Used by `status`, `supervise` and the fault drills (scripts/chaos). Sourced by bin/slipway.

# The slot holding the current release's api, running or not (live_slot only sees a running one).
release_slot() {
  local current="$1" slot
  [[ -n "${current}" ]] || return 0
  for slot in blue green; do
    if [[ -n "$(dk ps -aq --filter "label=com.docker.compose.project=slipway-${slot}" \
      --filter "label=com.docker.compose.service=api" --filter "label=org.slipway.release=${current}")" ]]; then
      echo "${slot}"
      return 0
    fi
  done
}

# jq: whether a container (of live_containers_json) is up as it should be: running, or a one-shot (role init,
# e.g. chroma-init) that is done (exited 0). One rule for the health report, supervision and infra_ensure.
JQ_UP='def up: .state == "running" or (.role == "init" and .state == "exited" and .exitCode == 0);'

# live_report CURRENT: {"slot", "health": {status, problems}, "containers": [...]} of the current release.
live_report() {
  local current="$1" slot containers
  slot="$(release_slot "${current}")"
  containers="$(live_containers_json "${slot}")"
  jq -nc --arg s "${slot}" --argjson c "${containers}" \
    --argjson h "$(live_health "${current}" "${slot}" "${containers}" "$(infra_services_json)")" \
    '{slot: $s, health: $h, containers: $c}'
}

# live_containers_json SLOT: every container of the infra project and of SLOT (when given), sorted.
live_containers_json() {
  local slot="$1" ids=()
  mapfile -t ids < <(
    dk ps -aq --filter "label=com.docker.compose.project=${INFRA_PROJECT}"
    if [[ -n "${slot}" ]]; then dk ps -aq --filter "label=com.docker.compose.project=slipway-${slot}"; fi
  )
  ((${#ids[@]})) || { printf '[]'; return 0; }
  dk inspect "${ids[@]}" | jq -c '[.[] | {
      name: (.Name | ltrimstr("/")),
      project: .Config.Labels["com.docker.compose.project"],
      service: .Config.Labels["com.docker.compose.service"],
      role: (.Config.Labels["org.slipway.role"] // ""),
      release: (.Config.Labels["org.slipway.release"] // ""),
      state: .State.Status,
      exitCode: .State.ExitCode,
      health: (.State.Health.Status // "none"),
      startedAt: .State.StartedAt,
      restarts: .RestartCount,
      oomKilled: .State.OOMKilled
    }] | sort_by(.project, .service, .name)'
}

# The services the infra project should run, as a JSON array: infra/services.json, which the engine writes
# whenever it installs or changes the infra project (a compose run costs a third of a second; a rollback's
# fast path reads this instead).
infra_services_json() {
  [[ -f "${INFRA_DIR}/compose.yaml" ]] || { printf '[]'; return 0; }
  if [[ ! -s "${INFRA_DIR}/services.json" ]]; then
    infra_compose "${INFRA_DIR}/compose.yaml" "${INFRA_DIR}/.env" --profile infra config --services 2>/dev/null |
      jq -Rsc 'split("\n") | map(select(. != "")) | sort' | write_atomic "${INFRA_DIR}/services.json"
  fi
  cat "${INFRA_DIR}/services.json"
}

# live_health CURRENT SLOT CONTAINERS-JSON INFRA-SERVICES-JSON: {status, problems}. status is
#   none       nothing was ever deployed (no current release)
#   down       the current release has no running api, or an infra service is missing or not running (a
#              one-shot, role init, is fine once it exited 0)
#   unhealthy  everything runs, but Docker reports a container unhealthy
#   starting   a container is still in its health start period
#   ok         every container runs and every health check passes
live_health() {
  local current="$1" slot="$2" containers="$3" expected="$4"
  jq -c --arg cur "${current}" --arg slot "${slot}" --arg infra "${INFRA_PROJECT}" --argjson expected "${expected}" \
    "${JQ_UP}"'
    def problem: "\(.service) (\(.name)): \(if .state != "running" then .state else .health end)";
    if $cur == "" then {status: "none", problems: []}
    else
      ([.[] | select(.project == $infra) | .service]) as $present
      | ($expected - $present | map("\(.): missing")) as $missing
      | (map(select(up | not)) | map(problem)) as $stopped
      | (map(select(.state == "running" and .health == "unhealthy")) | map(problem)) as $sick
      | (map(select(.state == "running" and .health == "starting")) | map(problem)) as $starting
      | (if $slot == "" or ([.[] | select(.project == "slipway-\($slot)" and .service == "api"
            and .state == "running")] | length) == 0
          then ["api of \($cur): not running"] else [] end) as $noapi
      | {status: (if ($noapi + $missing + $stopped | length) > 0 then "down"
                  elif ($sick | length) > 0 then "unhealthy"
                  elif ($starting | length) > 0 then "starting"
                  else "ok" end),
         problems: ($noapi + $missing + $stopped + $sick + $starting)}
    end' <<<"${containers}"
}
