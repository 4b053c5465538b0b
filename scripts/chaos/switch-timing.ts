/**
 * Times a deploy or rollback the way a user sees it: from the moment the action starts to the moment the proxy
 * serves the target release (its /version names the target's image digest), and to the action's end, with a
 * bounded load running meanwhile. Pure summaries (median, ratio) are at the end.
 */
import { type ActionRun, runAction } from '../../tests/deploy/harness.js';
import { startLoad } from '../rehearsal/load.js';

export interface SwitchTiming {
  kind: 'deploy' | 'rollback';
  release: string;
  /** Action start to the proxy serving the target release; null when it never did. */
  servingSeconds: number | null;
  /** Action start to its end (the old slot stopped, the ledger written, the summary made). */
  actionSeconds: number;
  requests: number;
  failedRequests: number;
  ok: boolean;
  detail: string;
}

async function servedDigest(proxyUrl: string): Promise<string | undefined> {
  try {
    const res = await fetch(`${proxyUrl}/version`, { signal: AbortSignal.timeout(2000) });
    return ((await res.json()) as { image_digest?: string }).image_digest;
  } catch {
    return undefined;
  }
}

/** Runs ACTION with INPUTS under load and times it; `digest` is the image the target release runs. */
export async function timeSwitch(
  kind: SwitchTiming['kind'],
  release: string,
  digest: string,
  inputs: Record<string, string>,
  proxyUrl: string,
  /** The run's context for the action (GITHUB_ACTOR and the like), as the runner sets it. */
  env: Record<string, string> = {},
): Promise<SwitchTiming> {
  const load = startLoad(proxyUrl, 4, 300);
  await new Promise((r) => setTimeout(r, 1000));
  const started = Date.now();
  let servingAt: number | null = null;
  let done = false;
  const watcher = (async () => {
    while (!done) {
      const seen = await servedDigest(proxyUrl);
      if (seen === digest) servingAt ??= Date.now();
      else servingAt = null;
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  let main: ActionRun;
  try {
    ({ main } = await runAction(kind === 'deploy' ? 'ssh-deploy' : 'rollback', inputs, env));
  } finally {
    const actionEnded = Date.now();
    // Keep watching a little: a switch that serves only after the action ended still counts, late.
    while (servingAt === null && Date.now() - actionEnded < 5000)
      await new Promise((r) => setTimeout(r, 100));
    done = true;
    await watcher;
  }
  const actionSeconds = (Date.now() - started) / 1000;
  await new Promise((r) => setTimeout(r, 1000));
  const report = await load.stop();
  const servingSeconds = servingAt === null ? null : round((servingAt - started) / 1000);
  const ok = main.status === 0 && servingSeconds !== null && report.failed === 0;
  return {
    kind,
    release,
    servingSeconds,
    actionSeconds: round(actionSeconds),
    requests: report.requests,
    failedRequests: report.failed,
    ok,
    detail: ok ? '' : `exit ${main.status}; ${report.samples.slice(0, 3).join(', ')}`.trim(),
  };
}

export function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return round(sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2);
}

export interface SwitchSummary {
  /** Median seconds from the rollback command to the old release serving. */
  rollbackMedianSeconds: number | null;
  deployMedianSeconds: number | null;
  /** rollbackMedianSeconds / deployMedianSeconds. */
  ratio: number | null;
  rollbackActionMedianSeconds: number | null;
  deployActionMedianSeconds: number | null;
  failedRequests: number;
  runs: number;
  /** The goal: median rollback <= 5 s, <= 1/3 of a deploy, 0 failed requests, every switch ok. */
  goalMet: boolean;
}

export function summarize(timings: SwitchTiming[]): SwitchSummary {
  const serving = (kind: SwitchTiming['kind']) =>
    timings.filter((t) => t.kind === kind && t.servingSeconds !== null).map((t) => t.servingSeconds!);
  const action = (kind: SwitchTiming['kind']) =>
    timings.filter((t) => t.kind === kind).map((t) => t.actionSeconds);
  const rollback = median(serving('rollback'));
  const deploy = median(serving('deploy'));
  const ratio = rollback !== null && deploy ? Math.round((rollback / deploy) * 100) / 100 : null;
  const failedRequests = timings.reduce((n, t) => n + t.failedRequests, 0);
  return {
    rollbackMedianSeconds: rollback,
    deployMedianSeconds: deploy,
    ratio,
    rollbackActionMedianSeconds: median(action('rollback')),
    deployActionMedianSeconds: median(action('deploy')),
    failedRequests,
    runs: timings.length,
    goalMet:
      timings.length > 0 &&
      timings.every((t) => t.ok) &&
      rollback !== null &&
      rollback <= 5 &&
      ratio !== null &&
      ratio <= 1 / 3 &&
      failedRequests === 0,
  };
}

const round = (n: number) => Math.round(n * 100) / 100;
