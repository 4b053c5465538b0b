/**
 * The rehearsal's report: pure functions from step results to `rehearsal-report.json` and the readable
 * summary printed at the end.
 */
export interface StepResult {
  name: string;
  ok: boolean;
  seconds: number;
  detail: string;
}

export interface SwitchResult {
  release: string;
  /** `live`: the release must end up serving. `refused`: the deploy must fail and the old release keep serving. */
  expect: 'live' | 'refused';
  ok: boolean;
  seconds: number;
  requests: number;
  failedRequests: number;
  detail: string;
}

export interface RehearsalReport {
  ok: boolean;
  startedAt: string;
  finishedAt: string;
  seconds: number;
  steps: StepResult[];
  deploys: SwitchResult[];
  rollback: SwitchResult | null;
  live: string | null;
  ledger: string;
}

export function buildReport(input: {
  startedAt: Date;
  finishedAt: Date;
  steps: StepResult[];
  deploys: SwitchResult[];
  rollback: SwitchResult | null;
  live: string | null;
  ledger: string;
}): RehearsalReport {
  const switches = [...input.deploys, ...(input.rollback ? [input.rollback] : [])];
  const ok =
    input.steps.length > 0 &&
    input.steps.every((s) => s.ok) &&
    input.rollback !== null &&
    switches.every((s) => s.ok && s.failedRequests === 0);
  return {
    ok,
    startedAt: input.startedAt.toISOString(),
    finishedAt: input.finishedAt.toISOString(),
    seconds: round((input.finishedAt.getTime() - input.startedAt.getTime()) / 1000),
    steps: input.steps.map((s) => ({ ...s, seconds: round(s.seconds) })),
    deploys: input.deploys.map((d) => ({ ...d, seconds: round(d.seconds) })),
    rollback: input.rollback ? { ...input.rollback, seconds: round(input.rollback.seconds) } : null,
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
  const steps = pad([
    ['step', 'result', 'seconds', 'detail'],
    ...report.steps.map((s) => [s.name, s.ok ? 'ok' : 'FAILED', s.seconds.toFixed(1), s.detail]),
  ]);
  const switches = [
    ...report.deploys,
    ...(report.rollback ? [{ ...report.rollback, release: `rollback -> ${report.rollback.release}` }] : []),
  ];
  const table = pad([
    ['switch', 'expected', 'result', 'seconds', 'requests', 'failed'],
    ...switches.map((d) => [
      d.release,
      d.expect === 'live' ? 'goes live' : 'refused',
      d.ok ? 'ok' : 'FAILED',
      d.seconds.toFixed(1),
      String(d.requests),
      String(d.failedRequests),
    ]),
  ]);
  return [
    '',
    '== Rehearsal steps',
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
