import { describe, expect, it } from 'vitest';
import { buildReport, type DrillResult, renderSummary } from '../report.js';

const drill = (name: string, ok: boolean, over: Partial<DrillResult> = {}): DrillResult => ({
  name,
  ok,
  rtoSeconds: 12.345,
  rpoSeconds: 0,
  dataLostRows: 0,
  detail: 'detail',
  ...over,
});
const at = (s: number) => new Date(Date.UTC(2026, 10, 29, 3, 0, s));

describe('buildReport', () => {
  it('is ok only when every drill recovered', () => {
    expect(buildReport([drill('a', true), drill('b', true)], at(0), at(30)).ok).toBe(true);
    expect(buildReport([drill('a', true), drill('b', false)], at(0), at(30)).ok).toBe(false);
  });

  it('is not ok when no drill ran', () => {
    expect(buildReport([], at(0), at(1)).ok).toBe(false);
  });

  it('keeps the shape drill-report.json promises, times rounded to tenths', () => {
    const report = buildReport(
      [drill('database-corruption', true, { rpoSeconds: 61.04, dataLostRows: 3 })],
      at(0),
      at(90),
    );
    expect(report).toEqual({
      ok: true,
      startedAt: '2026-11-29T03:00:00.000Z',
      seconds: 90,
      drills: [
        {
          name: 'database-corruption',
          ok: true,
          rtoSeconds: 12.3,
          rpoSeconds: 61,
          dataLostRows: 3,
          detail: 'detail',
        },
      ],
    });
  });
});

describe('renderSummary', () => {
  it('shows each drill with its RTO, RPO and losses, and a failed run as FAILED', () => {
    const text = renderSummary(
      buildReport(
        [drill('container-crash', true), drill('vps-death', false, { rtoSeconds: -1 })],
        at(0),
        at(5),
      ),
    );
    expect(text).toContain('ok    container-crash');
    expect(text).toContain('FAIL  vps-death');
    expect(text).toContain('RTO   12.3 s');
    expect(text.split('\n').pop()).toBe('drills: FAILED (1/2 ok, 5 s)');
  });
});
