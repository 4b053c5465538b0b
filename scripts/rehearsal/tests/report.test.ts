import { describe, expect, it } from 'vitest';
import { type SwitchTiming, summarize } from '../../chaos/switch-timing.js';
import {
  type PanelsResult,
  type PreCheck,
  type SwitchResult,
  type WorkflowRecord,
  buildReport,
  panelsResult,
  renderSummary,
} from '../report.js';

const at = (s: number) => new Date(Date.UTC(2026, 10, 27, 9, 0, s));
const step = { name: 'scratch clone', ok: true, seconds: 1.234, detail: 'main at abc1234' };
const pre: PreCheck = { ok: true, live: 'r0', serving: true, detail: '' };
const sw = (over: Partial<SwitchResult> = {}): SwitchResult => ({
  release: 'v1',
  expect: 'live',
  ok: true,
  seconds: 12.34,
  firstDeploy: false,
  requests: 500,
  failedRequests: 0,
  serverErrors: { status5xx: 0, connectionErrors: 0, byStatus: {} },
  detail: '',
  ...over,
});
const wf = (over: Partial<WorkflowRecord> = {}): WorkflowRecord => ({
  file: 'cd.yml',
  event: 'push',
  story: 'merge',
  expectOk: true,
  ok: true,
  seconds: 300.04,
  jobs: [{ name: 'deploy', ok: true, result: 'success' }],
  ...over,
});
const rules = [{ name: 'SlipwayServiceDown', health: 'ok' }];
const window = { start: 1_800_000_000, end: 1_800_000_600 };
const panels: PanelsResult = panelsResult({ total: 50, empty: [], skipped: [], rules, window });
const timing = (over: Partial<SwitchTiming> = {}): SwitchTiming => ({
  kind: 'rollback',
  release: 'r0',
  servingSeconds: 1.5,
  actionSeconds: 2.6,
  requests: 300,
  failedRequests: 0,
  ok: true,
  detail: '',
  ...over,
});
const speedOf = (timings: SwitchTiming[]) => ({ ...summarize(timings), timings });
const deployTiming = timing({ kind: 'deploy', release: 'v1-again', servingSeconds: 10.2, actionSeconds: 11 });
const speed = speedOf([deployTiming, timing(), timing({ release: 'v1-again' }), timing()]);
const report = (over: Partial<Parameters<typeof buildReport>[0]> = {}) =>
  buildReport({
    startedAt: at(0),
    finishedAt: at(90),
    precheck: pre,
    workflows: [wf()],
    steps: [step],
    deploys: [sw()],
    rollback: sw({ release: 'r0' }),
    rollbackSpeed: speed,
    panels,
    live: 'r0',
    ledger: '',
    ...over,
  });

describe('buildReport', () => {
  it.each<[string, Partial<Parameters<typeof buildReport>[0]>, boolean]>([
    ['all good', {}, true],
    ['an outage found before the rehearsal', { precheck: { ...pre, serving: false, ok: false } }, false],
    ['a failed step', { steps: [{ ...step, ok: false }] }, false],
    ['a workflow that should pass failed', { workflows: [wf({ ok: false })] }, false],
    [
      'a bad merge whose pipeline failed as expected',
      { workflows: [wf({ expectOk: false, ok: false })] },
      true,
    ],
    ['a bad merge whose pipeline passed', { workflows: [wf({ expectOk: false, ok: true })] }, false],
    ['no workflow ran', { workflows: [] }, false],
    ['a failed request during a switch', { deploys: [sw({ failedRequests: 1 })] }, false],
    ['a failed request during the rollback', { rollback: sw({ failedRequests: 2 }) }, false],
    ['a switch without load', { deploys: [sw({ requests: 0 })] }, false],
    [
      'a first deploy without load, said so',
      { deploys: [sw({ firstDeploy: true, requests: 0 }), sw()] },
      true,
    ],
    [
      'only first deploys: nothing measured',
      { deploys: [sw({ firstDeploy: true, requests: 0 })], rollback: sw({ firstDeploy: true, requests: 0 }) },
      false,
    ],
    ['a refused release that was not refused', { deploys: [sw({ expect: 'refused', ok: false })] }, false],
    ['no rollback ran', { rollback: null }, false],
    [
      'a 5xx the api counted during a switch',
      {
        deploys: [
          sw({ serverErrors: { status5xx: 1, connectionErrors: 0, byStatus: { '502 /search': 1 } } }),
        ],
      },
      false,
    ],
    [
      'a connection error the api counted during the rollback',
      { rollback: sw({ serverErrors: { status5xx: 0, connectionErrors: 3, byStatus: {} } }) },
      false,
    ],
    ['a switch under load not measured server-side', { deploys: [sw({ serverErrors: null })] }, false],
    [
      'a first deploy not measured server-side (no load)',
      { deploys: [sw({ firstDeploy: true, requests: 0, serverErrors: null }), sw()] },
      true,
    ],
    ['the rollback speed was not measured', { rollbackSpeed: null }, false],
    [
      'a slow rollback: the goal is a printed figure, not a verdict',
      {
        rollbackSpeed: speedOf([
          timing({ kind: 'deploy', servingSeconds: 6 }),
          timing({ servingSeconds: 5.5 }),
        ]),
      },
      true,
    ],
    ['no switch timed', { rollbackSpeed: speedOf([]) }, false],
    [
      'a timed rollback that never served',
      { rollbackSpeed: speedOf([deployTiming, timing({ servingSeconds: null, ok: false })]) },
      false,
    ],
    [
      'a request failed during a timed rollback',
      { rollbackSpeed: speedOf([deployTiming, timing({ failedRequests: 1, ok: false })]) },
      false,
    ],
    ['the panel check did not run', { panels: null }, false],
    [
      'a dashboard query without data',
      {
        panels: panelsResult({
          total: 50,
          empty: ['slipway-service / p95: no data'],
          skipped: [],
          rules,
          window,
        }),
      },
      false,
    ],
    [
      'an alert rule that does not evaluate',
      {
        panels: panelsResult({
          total: 50,
          empty: [],
          skipped: [],
          rules: [...rules, { name: 'SlipwayHigh5xxRatio', health: 'err', lastError: 'bad expr' }],
          window,
        }),
      },
      false,
    ],
    [
      'no rule loaded',
      { panels: panelsResult({ total: 50, empty: [], skipped: [], rules: [], window }) },
      false,
    ],
  ])('%s -> ok %s', (_name, over, ok) => {
    expect(report(over).ok).toBe(ok);
  });

  it('keeps the shape rehearsal-report.json promises, with rounded figures', () => {
    expect(report({ finishedAt: at(75) })).toMatchObject({
      ok: true,
      seconds: 75,
      precheck: pre,
      workflows: [
        { file: 'cd.yml', event: 'push', ok: true, seconds: 300, jobs: [{ name: 'deploy', ok: true }] },
      ],
      deploys: [
        {
          release: 'v1',
          ok: true,
          seconds: 12.3,
          requests: 500,
          failedRequests: 0,
          serverErrors: { status5xx: 0, connectionErrors: 0 },
        },
      ],
      panels: {
        ok: true,
        total: 50,
        empty: [],
        alerts: { total: 1, errors: [] },
        window: { start: '2027-01-15T08:00:00.000Z', end: '2027-01-15T08:10:00.000Z' },
      },
      rollback: { ok: true, seconds: 12.3, requests: 500, failedRequests: 0 },
      rollbackSpeed: {
        rollbackMedianSeconds: 1.5,
        deployMedianSeconds: 10.2,
        ratio: 0.15,
        failedRequests: 0,
        goalMet: true,
        timings: [{ kind: 'deploy' }, { kind: 'rollback' }, { kind: 'rollback' }, { kind: 'rollback' }],
      },
      steps: [{ seconds: 1.2 }],
    });
  });
});

describe('renderSummary', () => {
  it('shows the live release before, each workflow, each switch with its load, the ledger and the verdict', () => {
    const text = renderSummary(
      report({
        finishedAt: at(60),
        precheck: { ok: true, live: null, serving: false, detail: '' },
        workflows: [
          wf(),
          wf({
            story: 'bad merge',
            expectOk: false,
            ok: false,
            jobs: [{ name: 'deploy', ok: false, result: 'failure' }],
          }),
        ],
        deploys: [
          sw({ release: 'v0', firstDeploy: true, requests: 0 }),
          sw(),
          sw({ release: 'v3', expect: 'refused', requests: 40 }),
        ],
        rollback: sw({ release: 'v1', requests: 77, serverErrors: null }),
        panels: panelsResult({
          total: 50,
          empty: ['slipway-data / Locks: no data for sum(pg_locks_count)'],
          skipped: ['slipway-backups: no backup run was ever recorded on this host'],
          rules,
          window,
        }),
        ledger: 'RELEASE  RESULT\nv1  succeeded',
      }),
    );
    expect(text).toContain('dashboard queries: 49/50 returned data; EMPTY OR FAILED:');
    expect(text).toContain('  slipway-data / Locks: no data for sum(pg_locks_count)');
    expect(text).toContain('not checked: slipway-backups: no backup run was ever recorded on this host');
    expect(text).toContain('alert rules: 1/1 evaluate without error');
    expect(text).toMatch(
      /rollback -> v1\s+goes live\s+FAILED\s+12\.3\s+77\s+0\s+not measured\s+not measured/,
    );
    expect(text).toContain('== Before: an empty host');
    expect(text).toMatch(/bad merge\s+cd\.yml\s+push\s+fails\s+ok\s+300\.0\s+deploy failure/);
    expect(text).toMatch(/v0\s+goes live\s+ok\s+12\.3\s+no load: first deploy onto an empty host/);
    expect(text).toMatch(/v3\s+refused\s+ok\s+12\.3\s+40\s+0/);
    expect(text).toContain('v1  succeeded');
    expect(text).toMatch(/v3\s+refused\s+ok\s+12\.3\s+40\s+0\s+0\s+0/);
    expect(text).toContain('rehearsal FAILED in 60.0 s');
    expect(text).toMatch(/deploy\s+v1-again\s+10\.20 s\s+11\.00 s\s+300\s+0/);
    expect(text).toContain(
      'median rollback 1.5 s, deploy 10.2 s, ratio 0.15 (goal: <= 5 s and <= 1/3 of a deploy, 0 failed): met',
    );
  });

  it('says when the rollback speed was not measured', () => {
    expect(renderSummary(report({ rollbackSpeed: null }))).toContain(
      'NOT MEASURED (the story stopped before it)',
    );
  });
});
