import { describe, expect, it } from 'vitest';
import { type SwitchResult, buildReport, renderSummary } from '../report.js';

const at = (s: number) => new Date(Date.UTC(2026, 10, 27, 9, 0, s));
const step = { name: 'hadolint gate', ok: true, seconds: 1.234, detail: '0 findings' };
const sw = (over: Partial<SwitchResult> = {}): SwitchResult => ({
  release: 'v1',
  expect: 'live',
  ok: true,
  seconds: 12.34,
  requests: 500,
  failedRequests: 0,
  detail: '',
  ...over,
});

describe('buildReport', () => {
  it.each([
    ['all good', [step], [sw()], sw({ release: 'v1' }), true],
    ['a failed step', [{ ...step, ok: false }], [sw()], sw(), false],
    ['a failed request during a switch', [step], [sw({ failedRequests: 1 })], sw(), false],
    ['a failed request during the rollback', [step], [sw()], sw({ failedRequests: 2 }), false],
    ['a refused release that was not refused', [step], [sw({ expect: 'refused', ok: false })], sw(), false],
    ['no rollback ran', [step], [sw()], null, false],
    ['no steps ran', [], [sw()], sw(), false],
  ])('%s -> ok %s', (_name, steps, deploys, rollback, ok) => {
    const report = buildReport({
      startedAt: at(0),
      finishedAt: at(90),
      steps,
      deploys,
      rollback,
      live: 'v1',
      ledger: '',
    });
    expect(report.ok).toBe(ok);
  });

  it('keeps the shape rehearsal-report.json promises, with rounded figures', () => {
    const report = buildReport({
      startedAt: at(0),
      finishedAt: at(75),
      steps: [step],
      deploys: [sw()],
      rollback: sw({ release: 'v1' }),
      live: 'v1',
      ledger: 'ledger',
    });
    expect(report).toMatchObject({
      ok: true,
      seconds: 75,
      deploys: [{ release: 'v1', ok: true, seconds: 12.3, requests: 500, failedRequests: 0 }],
      rollback: { ok: true, seconds: 12.3, requests: 500, failedRequests: 0 },
      steps: [{ seconds: 1.2 }],
    });
  });
});

describe('renderSummary', () => {
  it('shows each step, each switch with its requests and failures, the ledger and the verdict', () => {
    const report = buildReport({
      startedAt: at(0),
      finishedAt: at(60),
      steps: [step],
      deploys: [sw(), sw({ release: 'v3', expect: 'refused', requests: 40 })],
      rollback: sw({ release: 'v1', requests: 77 }),
      live: 'v1',
      ledger: 'RELEASE  RESULT\nv1  succeeded',
    });
    const text = renderSummary(report);
    expect(text).toContain('hadolint gate  ok      1.2      0 findings');
    expect(text).toMatch(/v3\s+refused\s+ok\s+12\.3\s+40\s+0/);
    expect(text).toMatch(/rollback -> v1\s+goes live\s+ok\s+12\.3\s+77\s+0/);
    expect(text).toContain('v1  succeeded');
    expect(text).toContain('rehearsal OK in 60.0 s');
  });
});
