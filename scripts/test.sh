#!/usr/bin/env bash
# The README's test command (`make test`): installs what the tests need, runs every suite, and closes with
# one line "N passed, N failed" summing them all. Lint, typecheck and the generated-files check count as one
# test each; vitest suites count their tests.
set -euo pipefail

usage() {
  echo "Usage: scripts/test.sh [--unit-only]    (what CI runs; prints 'N passed, N failed' last)"
}

PASSED=0
FAILED=0
FAILED_NAMES=()

# Counts one named check as one test: count_check NAME EXIT-STATUS SECONDS.
count_check() {
  local name="$1" rc="$2" seconds="$3"
  if ((rc == 0)); then
    PASSED=$((PASSED + 1))
    echo "== ${name}: ok (${seconds} s)" >&2
  else
    FAILED=$((FAILED + 1))
    FAILED_NAMES+=("${name}")
    echo "== ${name}: FAILED (${seconds} s)" >&2
  fi
}

# Runs one named check and counts it.
check_step() {
  local name="$1" rc=0 started=${SECONDS}
  shift
  echo "== ${name}" >&2
  "$@" || rc=$?
  count_check "${name}" "${rc}" "$((SECONDS - started))"
}

# Runs one vitest project; writes "passed failed total exit" to the file OUT (from vitest's JSON report).
run_vitest() {
  local project="$1" out="$2" report rc=0
  report="$(mktemp)"
  npx vitest run --project "${project}" --reporter=default --reporter=json --outputFile.json="${report}" || rc=$?
  # shellcheck disable=SC2016 # the quoted text is JavaScript; its ${} is a template literal, not shell
  node -e '
    const fs = require("fs");
    let r = {};
    try { r = JSON.parse(fs.readFileSync(process.argv[1], "utf8")); } catch {}
    console.log(`${r.numPassedTests ?? 0} ${r.numFailedTests ?? 0} ${r.numTotalTests ?? 0} ${process.argv[2]}`);
  ' "${report}" "${rc}" >"${out}"
  rm -f "${report}"
}

# Adds the counts run_vitest wrote for PROJECT to the totals; a run that wrote none failed outside any test.
count_vitest() {
  local project="$1" file="$2" started="$3" passed=0 failed=0 total=0 rc=1
  read -r passed failed total rc <"${file}" || true
  PASSED=$((PASSED + passed))
  FAILED=$((FAILED + failed))
  if ((rc != 0 && failed == 0)); then
    # The run failed outside any test (a suite that did not load, a setup error): count it.
    FAILED=$((FAILED + 1))
    FAILED_NAMES+=("vitest ${project} (exit ${rc} outside tests)")
  elif ((failed > 0)); then
    FAILED_NAMES+=("vitest ${project}")
  fi
  echo "== vitest ${project}: ${passed}/${total} passed ($((SECONDS - started)) s)" >&2
}

# Runs one vitest project and adds its test counts.
vitest_suite() {
  local project="$1" counts started=${SECONDS}
  counts="$(mktemp)"
  echo "== vitest ${project}" >&2
  run_vitest "${project}" "${counts}"
  count_vitest "${project}" "${counts}" "${started}"
  rm -f "${counts}"
}

# The side lane, alongside the integration suite: the workflows under act (vitest project `workflows`: a failing
# gate and a branch rollback, which only read vps1's ledger), the bare-host tests (project `hosts`: vps2-vps4 made
# from bare, apt and image pulls through the sandbox's proxies), then infra-check and the `infra` tests (tofu and
# tflint offline, once the background tool builds are done). None of them changes vps1 or the host engine's
# test projects, and the last three spend most of their time waiting on apt, systemd and the tool builds. Their
# output is kept in a log shown when the lane ends; their counts go to files the main shell adds up.
LANE_PID=""
LANE_DIR=""
LANE_STARTED=0

side_lane() {
  local rc=0 started
  run_vitest workflows "${LANE_DIR}/workflows"
  run_vitest hosts "${LANE_DIR}/hosts"
  echo "== infra-check"
  started=${SECONDS}
  # The infra tests are counted one by one by their vitest project, so infra-check runs without them here.
  scripts/infra/check.sh --skip infra-tests || rc=$?
  echo "${rc} $((SECONDS - started))" >"${LANE_DIR}/infra-check"
  run_vitest infra "${LANE_DIR}/infra"
}

start_side_lane() {
  mkdir -p .cache
  LANE_DIR="$(mktemp -d)"
  LANE_STARTED=${SECONDS}
  echo "== side lane (vitest workflows, vitest hosts, infra-check, vitest infra): started alongside integration (log: .cache/side-lane.log)" >&2
  side_lane >.cache/side-lane.log 2>&1 &
  LANE_PID=$!
}

wait_side_lane() {
  local rc=1 seconds=0
  wait "${LANE_PID}" || true
  echo "== side lane: its output" >&2
  cat .cache/side-lane.log
  count_vitest workflows "${LANE_DIR}/workflows" "${LANE_STARTED}"
  count_vitest hosts "${LANE_DIR}/hosts" "${LANE_STARTED}"
  read -r rc seconds <"${LANE_DIR}/infra-check" || true
  count_check infra-check "${rc}" "${seconds}"
  count_vitest infra "${LANE_DIR}/infra" "${LANE_STARTED}"
  rm -rf "${LANE_DIR}"
}

# The Go tools infra-check needs (OpenTofu alone builds for 8-13 min on 2 cores the first time) are built in
# the background from the start, at the lowest CPU priority, while the other suites run: much of their time
# is spent waiting (sandbox set-up, deploys, health checks). infra-check then finds them cached, or waits on
# go-tool's machine-wide lock for the rest of the build. Warm, this costs nothing.
INFRA_TOOLS=(tofu terraform-provider-hcloud tflint)
TOOLS_PID=""

start_tool_builds() {
  mkdir -p .cache
  nice -n 19 scripts/tools/go-tool install "${INFRA_TOOLS[@]}" >.cache/tool-builds.log 2>&1 &
  TOOLS_PID=$!
}

# The background build's own exit status: a failure is reported here (its log), and infra-check fails too.
wait_tool_builds() {
  local rc=0 started=${SECONDS}
  wait "${TOOLS_PID}" || rc=$?
  echo "== tool builds: waited $((SECONDS - started)) s (exit ${rc}; log: .cache/tool-builds.log)" >&2
  ((rc == 0)) || tail -n 5 .cache/tool-builds.log >&2
}

main() {
  local unit_only=false
  case "${1:-}" in
    -h | --help) usage; return 0 ;;
    --unit-only) unit_only=true ;;
  esac
  cd "$(dirname "${BASH_SOURCE[0]}")/.."
  local started=${SECONDS}
  scripts/setup.sh
  # After setup: setup.sh builds actionlint through the same go-tool lock.
  if [[ "${unit_only}" == false ]]; then start_tool_builds; fi

  check_step "lint" scripts/lint.sh
  check_step "typecheck" npx tsc --noEmit -p tsconfig.json
  check_step "generated files up to date" node scripts/build/check-generated.mjs
  check_step "infra-check (hosts)" scripts/infra/check-hosts.sh
  vitest_suite unit
  if [[ "${unit_only}" == false ]]; then
    start_side_lane
    vitest_suite integration
    wait_side_lane
    wait_tool_builds
  fi

  echo "test: finished in $((SECONDS - started)) s" >&2
  if ((${#FAILED_NAMES[@]})); then echo "test: failed: ${FAILED_NAMES[*]}" >&2; fi
  echo "${PASSED} passed, ${FAILED} failed"
  ((FAILED == 0))
}

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
  main "$@"
fi
