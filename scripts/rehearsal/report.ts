/**
 * The rehearsal's report: pure functions from what happened to `rehearsal-report.json` and the readable
 * summary printed at the end.
 */
export interface StepResult {
  name: string;
  ok: boolean;
  seconds: number;
  detail: string;
}

/** What the live release looked like before the rehearsal touched it. */
export interface PreCheck {
  /** An empty host, or a live release that serves. A live release that does not serve is an outage: false. */
  ok: boolean;
  live: string | null;
  serving: boolean;
  detail: string;
}

export interface SwitchResult {
  release: string;
  /** `live`: the release must end up serving. `refused`: the deploy must fail and the old release keep serving. */
  expect: 'live' | 'refused';
  ok: boolean;
  seconds: number;
  /**
   * A first deploy onto an empty host: nothing serves yet, so it runs without load and is not a measured
   * zero-downtime switch. Every other switch runs under load and needs requests > 0.
   */
  firstDeploy: boolean;
  requests: number;
  failedRequests: number;
  /** 5xx answers the server logged during the switch (Prometheus, per deploy window); null: not measured. */
  serverErrors: number | null;
  detail: string;
}

export interface JobRecord {
  name: string;
  ok: boolean;
  result: 'success' | 'failure' | 'skipped';
}

/** One workflow run under act: what GitHub would have run for that event. */
export interface WorkflowRecord {
  file: string;
  event: string;
  /** The part of the story, e.g. `merge`. */
  story: string;
  /** Whether the run is meant to succeed (a bad merge's pipeline must fail at its deploy). */
  expectOk: boolean;
  ok: boolean;
  seconds: number;
  jobs: JobRecord[];
}

export interface RehearsalReport {
  ok: boolean;
  startedAt: string;
  finishedAt: string;
  seconds: number;
  precheck: PreCheck;
  workflows: WorkflowRecord[];
  steps: StepResult[];
  deploys: SwitchResult[];
  rollback: SwitchResult | null;
  live: string | null;
  ledger: string;
}

/** A switch counts only when it did what was expected, lost no request, and (but for a first deploy) saw load. */
export function switchCounts(s: SwitchResult): boolean {
  return s.ok && s.failedRequests === 0 && (s.firstDeploy || s.requests > 0);
}

export function buildReport(input: {
  startedAt: Date;
  finishedAt: Date;
  precheck: PreCheck;
  workflows: WorkflowRecord[];
  steps: StepResult[];
  deploys: SwitchResult[];
  rollback: SwitchResult | null;
  live: string | null;
  ledger: string;
}): RehearsalReport {
  const switches = [...input.deploys, ...(input.rollback ? [input.rollback] : [])];
  const ok =
    input.precheck.ok &&
    input.workflows.length > 0 &&
    input.workflows.every((w) => w.ok === w.expectOk) &&
    input.steps.every((s) => s.ok) &&
    input.rollback !== null &&
    switches.filter((s) => !s.firstDeploy).length > 0 &&
    switches.every(switchCounts);
  const roundSwitch = (s: SwitchResult) => ({ ...s, seconds: round(s.seconds) });
  return {
    ok,
    startedAt: input.startedAt.toISOString(),
    finishedAt: input.finishedAt.toISOString(),
    seconds: round((input.finishedAt.getTime() - input.startedAt.getTime()) / 1000),
    precheck: input.precheck,
    workflows: input.workflows.map((w) => ({ ...w, seconds: round(w.seconds) })),
    steps: input.steps.map((s) => ({ ...s, seconds: round(s.seconds) })),
    deploys: input.deploys.map(roundSwitch),
    rollback: input.rollback ? roundSwitch(input.rollback) : null,
    live: input.live,
    ledger: input.ledger,
  };
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}

function pad(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows
    .map((r) =>
      r
        .map((c, i) => c.padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** The summary printed at the end of `make rehearse`. */
export function renderSummary(report: RehearsalReport): string {
  const workflows = pad([
    ['story', 'workflow', 'event', 'expected', 'result', 'seconds', 'jobs not succeeded'],
    ...report.workflows.map((w) => [
      w.story,
      w.file,
      w.event,
      w.expectOk ? 'passes' : 'fails',
      w.ok === w.expectOk ? 'ok' : 'FAILED',
      w.seconds.toFixed(1),
      w.jobs
        .filter((j) => !j.ok)
        .map((j) => `${j.name} ${j.result}`)
        .join(', ') || '-',
    ]),
  ]);
  const steps = pad([
    ['step', 'result', 'seconds', 'detail'],
    ...report.steps.map((s) => [s.name, s.ok ? 'ok' : 'FAILED', s.seconds.toFixed(1), s.detail]),
  ]);
  const switches = [
    ...report.deploys,
    ...(report.rollback ? [{ ...report.rollback, release: `rollback -> ${report.rollback.release}` }] : []),
  ];
  const table = pad([
    ['switch', 'expected', 'result', 'seconds', 'requests', 'failed', 'detail'],
    ...switches.map((d) => [
      d.release,
      d.expect === 'live' ? 'goes live' : 'refused',
      switchCounts(d) ? 'ok' : 'FAILED',
      d.seconds.toFixed(1),
      d.firstDeploy ? 'no load: first deploy onto an empty host, not a measured switch' : String(d.requests),
      d.firstDeploy ? '' : String(d.failedRequests),
      d.detail,
    ]),
  ]);
  const pre = report.precheck;
  return [
    '',
    `== Before: ${pre.live ? `live release ${pre.live}, ${pre.serving ? 'serving' : 'NOT SERVING (an outage)'}` : 'an empty host'}${pre.detail ? ` (${pre.detail})` : ''}`,
    '',
    '== Workflows run under act (the generated YAML, unchanged)',
    workflows,
    '',
    '== Other steps',
    steps,
    '',
    '== Releases switched under load (requests and failures seen by clients during each switch)',
    table,
    '',
    '== Release ledger on the VPS',
    report.ledger.trim() || '(empty)',
    '',
    `live release: ${report.live ?? 'none'}`,
    `rehearsal ${report.ok ? 'OK' : 'FAILED'} in ${report.seconds.toFixed(1)} s; report written to rehearsal-report.json`,
    '',
  ].join('\n');
}
