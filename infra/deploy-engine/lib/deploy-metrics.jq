# The engine's metrics for node exporter's textfile collector (slipway_deploy.prom), rendered from the ledger:
# the ledger is the source of truth, so the counters survive restarts and never depend on who wrote last.
# Arguments: $ledger (the last line of each op, oldest first), $current (the live release id, "" when none),
# $sha (its git sha), $now (epoch seconds). Metric names are the contract of infra/monitoring's dashboards and
# alert rules (docs/OBSERVABILITY.md).

def esc: tostring | gsub("\\\\"; "\\\\") | gsub("\""; "\\\"") | gsub("\n"; "\\n");
def labels($l): if ($l | length) == 0 then "" else
  "{" + ([$l | to_entries[] | "\(.key)=\"\(.value | esc)\""] | join(",")) + "}" end;
def head($name; $type; $help): "# HELP \($name) \($help)\n# TYPE \($name) \($type)";
def sample($name; $l; $v): "\($name)\(labels($l)) \($v)";
def epoch: if type == "string" then (try fromdateiso8601 catch null) else null end;

def kinds: ["deploy", "rollback"];
def results: ["succeeded", "failed", "interrupted"];
def finished: [$ledger[] | select(.result != "started")
  | . + {started: (.startedAt | epoch), finished: (.finishedAt | epoch)}
  | select(.started != null and .finished != null)
  | . + {seconds: (.finished - .started)}];
def last_of($k): [finished[] | select(.kind == $k)] | last;
def live_op: [finished[] | select(.result == "succeeded" and .release == $current)] | last;

[
  head("slipway_deploy_operations_total"; "counter";
    "Deploys and rollbacks recorded in the ledger, by kind and result."),
  (kinds[] as $k | results[] as $r
    | sample("slipway_deploy_operations_total"; {kind: $k, result: $r};
        [$ledger[] | select(.kind == $k and .result == $r)] | length)),

  head("slipway_deploy_duration_seconds"; "summary";
    "Time from start to the end of the switch of succeeded deploys and rollbacks, by kind."),
  (kinds[] as $k | [finished[] | select(.kind == $k and .result == "succeeded") | .seconds] as $s
    | sample("slipway_deploy_duration_seconds_sum"; {kind: $k}; $s | add // 0),
      sample("slipway_deploy_duration_seconds_count"; {kind: $k}; $s | length)),

  head("slipway_deploy_last_success"; "gauge"; "1 when the last finished op of this kind succeeded, else 0."),
  (kinds[] as $k | last_of($k) | select(. != null)
    | sample("slipway_deploy_last_success"; {kind: $k}; if .result == "succeeded" then 1 else 0 end)),

  head("slipway_deploy_last_duration_seconds"; "gauge"; "Duration of the last finished op of this kind."),
  (kinds[] as $k | last_of($k) | select(. != null)
    | sample("slipway_deploy_last_duration_seconds"; {kind: $k, release: .release, result: .result}; .seconds)),

  head("slipway_deploy_last_finished_timestamp_seconds"; "gauge";
    "When the last op of this kind finished (Unix time); a change marks a deploy or a rollback."),
  (kinds[] as $k | last_of($k) | select(. != null)
    | sample("slipway_deploy_last_finished_timestamp_seconds"; {kind: $k}; .finished)),

  head("slipway_live_release_info"; "gauge"; "Always 1; the labels name the live release, its git sha and slot."),
  (select($current != "")
    | sample("slipway_live_release_info"; {release: $current, git_sha: $sha, slot: (live_op.slot // "")}; 1)),

  head("slipway_live_release_since_timestamp_seconds"; "gauge"; "When the live release went live (Unix time)."),
  (select($current != "") | live_op | select(. != null)
    | sample("slipway_live_release_since_timestamp_seconds"; {}; .finished)),

  head("slipway_deploy_metrics_timestamp_seconds"; "gauge"; "When the engine last wrote this file (Unix time)."),
  sample("slipway_deploy_metrics_timestamp_seconds"; {}; $now)
] | join("\n") + "\n"
