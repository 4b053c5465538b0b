/**
 * The rehearsal's report: pure functions from what happened to `rehearsal-report.json` and the readable
 * summary printed at the end.
 */
import type { SwitchSummary, SwitchTiming } from '../chaos/switch-timing.js';
import type { ServerErrors } from './server-errors.js';

export type { ServerErrors };
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
  /**
   * What the api itself counted during the switch (the VPS's Prometheus over the switch's window): 5xx answers
   * and connections closed before it answered. null: not measured, which does not count as 0.
   */
  serverErrors: ServerErrors | null;
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

/** The dashboards' queries and the alert rules, run against the VPS's Prometheus after the story. */
export interface PanelsResult {
  ok: boolean;
  /** Dashboard queries run (panels and annotations). */
  total: number;
  /** `<dashboard> / <panel>: <why>`: each query that returned no data or failed. */
  empty: string[];
  /** Dashboards not checked, with the reason (e.g. what feeds them is not installed on the host). */
  skipped: string[];
  alerts: { total: number; errors: string[] };
  /** The window the queries ran over (ISO times). */
  window: { start: string; end: string };
}

export function panelsResult(input: {
  total: number;
  empty: string[];
  skipped: string[];
  rules: { name: string; health: string; lastError?: string }[];
  window: { start: number; end: number };
}): PanelsResult {
  const errors = input.rules
    .filter((r) => r.health !== 'ok' || (r.lastError ?? '') !== '')
    .map((r) => `${r.name}: ${r.health}${r.lastError ? ` (${r.lastError})` : ''}`);
  return {
    ok: input.total > 0 && input.empty.length === 0 && input.rules.length > 0 && errors.length === 0,
    total: input.total,
    empty: input.empty,
    skipped: input.skipped,
    alerts: { total: input.rules.length, errors },
    window: {
      start: new Date(input.window.start * 1000).toISOString(),
      end: new Date(input.window.end * 1000).toISOString(),
    },
  };
}

/**
 * The rollback-speed step: medians and goal of `make rollback-bench`'s measure, and each timed switch. A timed
 * switch that failed or lost a request fails the rehearsal; the speed goal is a printed figure (goalMet), not a
 * verdict, as speed goals are everywhere here.
 */
export type RollbackSpeed = SwitchSummary & { timings: SwitchTiming[] };

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
  /** null: not measured (the story stopped before it): not ok. */
  rollbackSpeed: RollbackSpeed | null;
  /** null: the check could not run (no Prometheus reached): not ok. */
  panels: PanelsResult | null;
  live: string | null;
  ledger: string;
}

/** No server-side failure was counted; a switch under load that was not measured is not clean. */
export function serverClean(s: SwitchResult): boolean {
  if (s.firstDeploy) return true;
  return s.serverErrors !== null && s.serverErrors.status5xx === 0 && s.serverErrors.connectionErrors === 0;
}

/**
 * A switch counts only when it did what was expected, lost no request, and (but for a first deploy) saw load
 * and was measured server-side with no 5xx and no connection error.
 */
export function switchCounts(s: SwitchResult): boolean {
  return s.ok && s.failedRequests === 0 && (s.firstDeploy || s.requests > 0) && serverClean(s);
}

export function buildReport(input: {
  startedAt: Date;
  finishedAt: Date;
  precheck: PreCheck;
  workflows: WorkflowRecord[];
  steps: StepResult[];
  deploys: SwitchResult[];
  rollback: SwitchResult | null;
  rollbackSpeed: RollbackSpeed | null;
  panels: PanelsResult | null;
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
    switches.every(switchCounts) &&
    input.rollbackSpeed !== null &&
    input.rollbackSpeed.timings.length > 0 &&
    input.rollbackSpeed.timings.every((t) => t.ok) &&
    input.panels !== null &&
    input.panels.ok;
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
    rollbackSpeed: input.rollbackSpeed,
    panels: input.panels,
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
    ['switch', 'expected', 'result', 'seconds', 'requests', 'failed', 'server 5xx', 'server conn', 'detail'],
    ...switches.map((d) => [
      d.release,
      d.expect === 'live' ? 'goes live' : 'refused',
      switchCounts(d) ? 'ok' : 'FAILED',
      d.seconds.toFixed(1),
      d.firstDeploy ? 'no load: first deploy onto an empty host, not a measured switch' : String(d.requests),
      d.firstDeploy ? '' : String(d.failedRequests),
      d.firstDeploy ? '' : (d.serverErrors?.status5xx.toString() ?? 'not measured'),
      d.firstDeploy ? '' : (d.serverErrors?.connectionErrors.toString() ?? 'not measured'),
      d.detail,
    ]),
  ]);
  const pre = report.precheck;
  const sp = report.rollbackSpeed;
  const speed = sp
    ? [
        pad([
          ['switch', 'release', 'serving after', 'action', 'requests', 'failed'],
          ...sp.timings.map((t) => [
            t.kind,
            t.release,
            t.servingSeconds === null ? 'never' : `${t.servingSeconds.toFixed(2)} s`,
            `${t.actionSeconds.toFixed(2)} s`,
            String(t.requests),
            String(t.failedRequests),
          ]),
        ]),
        `median rollback ${sp.rollbackMedianSeconds ?? '-'} s, deploy ${sp.deployMedianSeconds ?? '-'} s, ratio ${sp.ratio ?? '-'} ` +
          `(goal: <= 5 s and <= 1/3 of a deploy, 0 failed): ${sp.goalMet ? 'met' : 'NOT MET'}`,
      ].join('\n')
    : 'NOT MEASURED (the story stopped before it)';
  const p = report.panels;
  const panels = p
    ? [
        `dashboard queries: ${p.total - p.empty.length}/${p.total} returned data${p.empty.length ? '; EMPTY OR FAILED:' : ''}`,
        ...p.empty.map((e) => `  ${e}`),
        ...p.skipped.map((s) => `not checked: ${s}`),
        `alert rules: ${p.alerts.total - p.alerts.errors.length}/${p.alerts.total} evaluate without error${p.alerts.errors.length ? ':' : ''}`,
        ...p.alerts.errors.map((e) => `  ${e}`),
        `result: ${p.ok ? 'ok' : 'FAILED'} (window ${p.window.start} to ${p.window.end})`,
      ].join('\n')
    : 'NOT RUN: the VPS Prometheus was not reached (see the steps)';
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
    '== Releases switched under load (requests and failures seen by clients; 5xx and connection errors the api counted)',
    table,
    '',
    "== Rollback speed (from the action's start to the proxy serving the target, under load)",
    speed,
    '',
    "== Dashboards and alerts against the VPS's Prometheus",
    panels,
    '',
    '== Release ledger on the VPS',
    report.ledger.trim() || '(empty)',
    '',
    `live release: ${report.live ?? 'none'}`,
    `rehearsal ${report.ok ? 'OK' : 'FAILED'} in ${report.seconds.toFixed(1)} s; report written to rehearsal-report.json`,
    '',
  ].join('\n');
}
