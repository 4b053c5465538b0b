import { describe, expect, it } from 'vitest';
import { type Drill, type LiveContainer, buildChaosReport, fillBytes, judge, planDrills } from '../plan.js';

const container = (service: string, role: string, release = ''): LiveContainer => ({
  name: `slipway-${release ? 'blue' : 'infra'}-${service}-1`,
  project: release ? 'slipway-blue' : 'slipway-infra',
  service,
  role,
  release,
  state: 'running',
  health: 'healthy',
  startedAt: '2026-11-29T10:00:00Z',
  restarts: 0,
});
const live = [
  container('api', 'app', 'v1'),
  container('postgres', 'database'),
  container('proxy', 'proxy'),
  container('chroma', 'vector-store'),
  { ...container('chroma-init', 'init'), state: 'exited', health: 'none' },
];
const options = { concurrency: 4, diskPercent: 95, diskHoldSeconds: 8, liveRestore: false };

describe('planDrills', () => {
  const drills = planDrills(live, options);

  it('drills every container by its compose service name (not a one-shot that is done), then the disk and the engine', () => {
    expect(drills.map((d) => d.name)).toEqual([
      'oom api',
      'oom postgres',
      'oom proxy',
      'oom chroma',
      'disk 95%',
      'docker engine restart',
    ]);
    expect(drills[0]!.fault).toEqual({ kind: 'oom', container: 'slipway-blue-api-1', service: 'api' });
  });

  it.each([
    ['oom api', 4],
    ['oom postgres', 4],
    ['oom proxy', null],
    ['oom chroma', 0],
    ['disk 95%', 0],
    ['docker engine restart', null],
  ])('%s may cost at most %s failed requests', (name, maxFailed) => {
    expect(drills.find((d) => d.name === name)?.maxFailed).toBe(maxFailed);
  });

  it('expects no failed request from an engine restart when the engine keeps containers running (live-restore)', () => {
    const restart = (liveRestore: boolean) =>
      planDrills(live, { ...options, liveRestore }).find((d) => d.name === 'docker engine restart')!;
    expect(restart(true)).toMatchObject({ maxFailed: 0, why: expect.stringMatching(/live-restore/) });
    expect(restart(false)).toMatchObject({ maxFailed: null });
  });

  it('gives a service it does not know (unlabelled, e.g. a new sidecar) the budget of the app', () => {
    const [drill] = planDrills([container('gate', '', 'v1')], options);
    expect(drill).toMatchObject({ name: 'oom gate', maxFailed: 4, maxRecoverySeconds: 15 });
  });
});

describe('judge', () => {
  const drill: Drill = {
    name: 'oom api',
    fault: { kind: 'oom', container: 'c', service: 'api' },
    maxFailed: 4,
    maxRecoverySeconds: 15,
    why: 'in flight',
  };
  const seen = { requests: 900, failed: 2, recoverySeconds: 1.26, notes: ['restarted by Docker: c'] };

  it.each([
    ['within budget', seen, true, /^ok\. 2 failed of 900 \(budget 4: in flight\)\. restarted by Docker: c$/],
    [
      'never recovered',
      { ...seen, recoverySeconds: null },
      false,
      /did not serve again by itself within 15s/,
    ],
    [
      'recovered too slowly',
      { ...seen, recoverySeconds: 15.5 },
      false,
      /recovery took 15\.5s \(at most 15s\)/,
    ],
    ['too many failed requests', { ...seen, failed: 5 }, false, /5 failed requests \(at most 4\)/],
    ['no load at all', { ...seen, requests: 0, failed: 0 }, false, /no request was sent/],
    ['the fault could not be injected', { ...seen, error: 'boom' }, false, /^FAILED: boom/],
  ])('%s', (_name, observed, ok, detail) => {
    const result = judge(drill, observed);
    expect(result.ok).toBe(ok);
    expect(result.detail).toMatch(detail);
  });

  it('has no failed-request budget for a fault that stops everything (null)', () => {
    const result = judge({ ...drill, maxFailed: null }, { ...seen, failed: 300 });
    expect(result).toMatchObject({ ok: true, failedRequests: 300, recoverySeconds: 1.3 });
    expect(result.detail).toContain('no budget');
  });
});

describe('buildChaosReport', () => {
  const result = judge(planDrills(live, options)[0]!, {
    requests: 10,
    failed: 0,
    recoverySeconds: 1,
    notes: [],
  });
  const report = (drills: (typeof result)[]) =>
    buildChaosReport({
      startedAt: new Date(Date.UTC(2026, 10, 29, 10, 0, 0)),
      finishedAt: new Date(Date.UTC(2026, 10, 29, 10, 2, 3, 450)),
      release: 'v1',
      drills,
    });

  it.each([
    ['every drill ok', [result], true],
    ['one drill failed', [result, { ...result, ok: false }], false],
    ['no drill ran', [], false],
  ])('%s -> ok %s', (_name, drills, ok) => {
    expect(report(drills).ok).toBe(ok);
  });

  it('has the shape chaos-report.json promises', () => {
    expect(report([result])).toEqual({
      ok: true,
      startedAt: '2026-11-29T10:00:00.000Z',
      seconds: 123.5,
      release: 'v1',
      drills: [
        {
          name: 'oom api',
          ok: true,
          failedRequests: 0,
          requests: 10,
          recoverySeconds: 1,
          detail: expect.any(String),
        },
      ],
    });
  });
});

describe('fillBytes', () => {
  it.each([
    [{ used: 40, available: 60 }, 95, 55],
    [{ used: 96, available: 4 }, 95, 0],
    [{ used: 0, available: 1000 }, 50, 500],
  ])('%o to %s%% -> %s bytes', (fs, percent, bytes) => {
    expect(fillBytes(fs, percent)).toBe(bytes);
  });
});
