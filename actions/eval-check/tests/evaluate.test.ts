import { describe, expect, it } from 'vitest';
import { evaluate, failureMessage, formatNumber } from '../src/evaluate.js';
import type { Metrics } from '../src/metrics.js';
import type { MetricThreshold, Thresholds } from '../src/thresholds.js';

const t = (spec: Partial<MetricThreshold>): MetricThreshold => ({ direction: 'higher', ...spec });
const one = (spec: Partial<MetricThreshold>): Thresholds => new Map([['m', t(spec)]]);

interface Case {
  name: string;
  value: number | undefined;
  baseline: number | undefined;
  spec: Partial<MetricThreshold>;
  status: 'pass' | 'fail';
  failures?: string[];
  notes?: string[];
}

const cases: Case[] = [
  // absolute bounds, no baseline
  { name: 'higher, above min', value: 0.7, baseline: undefined, spec: { min: 0.6 }, status: 'pass' },
  {
    name: 'higher, equal to min passes',
    value: 0.6,
    baseline: undefined,
    spec: { min: 0.6 },
    status: 'pass',
  },
  {
    name: 'higher, below min',
    value: 0.59,
    baseline: undefined,
    spec: { min: 0.6 },
    status: 'fail',
    failures: ['m 0.59 < min 0.6'],
  },
  {
    name: 'lower, equal to max passes',
    value: 250,
    baseline: undefined,
    spec: { direction: 'lower', max: 250 },
    status: 'pass',
  },
  {
    name: 'lower, above max',
    value: 250.5,
    baseline: undefined,
    spec: { direction: 'lower', max: 250 },
    status: 'fail',
    failures: ['m 250.5 > max 250'],
  },
  { name: 'min and max, inside', value: 5, baseline: undefined, spec: { min: 1, max: 10 }, status: 'pass' },
  {
    name: 'min and max, below',
    value: 0,
    baseline: undefined,
    spec: { min: 1, max: 10 },
    status: 'fail',
    failures: ['m 0 < min 1'],
  },
  {
    name: 'min and max, above',
    value: 11,
    baseline: undefined,
    spec: { min: 1, max: 10 },
    status: 'fail',
    failures: ['m 11 > max 10'],
  },
  {
    name: 'max on a higher-is-better metric still bounds',
    value: 1.2,
    baseline: undefined,
    spec: { max: 1 },
    status: 'fail',
    failures: ['m 1.2 > max 1'],
  },
  { name: 'negative bounds', value: -3, baseline: undefined, spec: { min: -5, max: -1 }, status: 'pass' },
  { name: 'direction only: present is enough', value: 0, baseline: 1, spec: {}, status: 'pass' },
  {
    name: 'missing metric fails',
    value: undefined,
    baseline: 0.7,
    spec: { min: 0.5 },
    status: 'fail',
    failures: ['m is missing from the results'],
  },
  {
    name: 'missing metric with no bounds still fails',
    value: undefined,
    baseline: undefined,
    spec: {},
    status: 'fail',
    failures: ['m is missing from the results'],
  },
  {
    name: 'no baseline: tolerance is not checked',
    value: 0.1,
    baseline: undefined,
    spec: { tolerance: 0.01 },
    status: 'pass',
  },
  // absolute tolerance
  { name: 'higher, improved', value: 0.75, baseline: 0.7, spec: { tolerance: 0.02 }, status: 'pass' },
  { name: 'higher, unchanged', value: 0.7, baseline: 0.7, spec: { tolerance: 0 }, status: 'pass' },
  {
    name: 'higher, regression within tolerance',
    value: 0.69,
    baseline: 0.7,
    spec: { tolerance: 0.02 },
    status: 'pass',
  },
  {
    name: 'higher, regression equal to tolerance passes (float-safe)',
    value: 0.68,
    baseline: 0.7,
    spec: { tolerance: 0.02 },
    status: 'pass',
  },
  {
    name: 'higher, regression beyond tolerance',
    value: 0.66,
    baseline: 0.7,
    spec: { tolerance: 0.02 },
    status: 'fail',
    failures: ['m regressed 0.04 > tolerance 0.02 vs baseline 0.7'],
  },
  {
    name: 'higher, tolerance 0 and any drop fails',
    value: 0.6999,
    baseline: 0.7,
    spec: { tolerance: 0 },
    status: 'fail',
    failures: ['m regressed 0.0001 > tolerance 0 vs baseline 0.7'],
  },
  {
    name: 'lower, improved',
    value: 90,
    baseline: 100,
    spec: { direction: 'lower', tolerance: 5 },
    status: 'pass',
  },
  {
    name: 'lower, rise equal to tolerance passes',
    value: 105,
    baseline: 100,
    spec: { direction: 'lower', tolerance: 5 },
    status: 'pass',
  },
  {
    name: 'lower, rise beyond tolerance',
    value: 105.5,
    baseline: 100,
    spec: { direction: 'lower', tolerance: 5 },
    status: 'fail',
    failures: ['m regressed 5.5 > tolerance 5 vs baseline 100'],
  },
  {
    name: 'lower, a big drop is never a regression',
    value: 1,
    baseline: 100,
    spec: { direction: 'lower', tolerance: 0 },
    status: 'pass',
  },
  // percent tolerance
  { name: 'pct, within', value: 0.65, baseline: 0.7, spec: { tolerancePct: 10 }, status: 'pass' },
  {
    name: 'pct, exactly on the edge passes',
    value: 0.63,
    baseline: 0.7,
    spec: { tolerancePct: 10 },
    status: 'pass',
  },
  {
    name: 'pct, beyond',
    value: 0.62,
    baseline: 0.7,
    spec: { tolerancePct: 10 },
    status: 'fail',
    failures: ['m regressed 0.08 (11.4286%) > tolerance-pct 10% vs baseline 0.7'],
  },
  {
    name: 'pct, lower direction within',
    value: 120,
    baseline: 100,
    spec: { direction: 'lower', tolerancePct: 25 },
    status: 'pass',
  },
  {
    name: 'pct, lower direction on the edge',
    value: 125,
    baseline: 100,
    spec: { direction: 'lower', tolerancePct: 25 },
    status: 'pass',
  },
  {
    name: 'pct, lower direction beyond',
    value: 126,
    baseline: 100,
    spec: { direction: 'lower', tolerancePct: 25 },
    status: 'fail',
    failures: ['m regressed 26 (26%) > tolerance-pct 25% vs baseline 100'],
  },
  {
    name: 'pct, negative baseline uses its magnitude',
    value: -11,
    baseline: -10,
    spec: { tolerancePct: 10 },
    status: 'pass',
  },
  {
    name: 'pct, zero baseline and no change passes',
    value: 0,
    baseline: 0,
    spec: { direction: 'lower', tolerancePct: 50 },
    status: 'pass',
  },
  {
    name: 'pct, zero baseline allows no regression',
    value: 1,
    baseline: 0,
    spec: { direction: 'lower', tolerancePct: 50 },
    status: 'fail',
    failures: ['m regressed 1 (from a zero baseline) > tolerance-pct 50% vs baseline 0'],
  },
  {
    name: 'pct, zero baseline and an improvement passes',
    value: 0.2,
    baseline: 0,
    spec: { tolerancePct: 5 },
    status: 'pass',
  },
  {
    name: 'pct, zero baseline with an absolute tolerance too: both must hold',
    value: 1,
    baseline: 0,
    spec: { direction: 'lower', tolerance: 2, tolerancePct: 50 },
    status: 'fail',
    failures: ['m regressed 1 (from a zero baseline) > tolerance-pct 50% vs baseline 0'],
  },
  // combinations
  {
    name: 'both tolerances pass',
    value: 0.69,
    baseline: 0.7,
    spec: { tolerance: 0.02, tolerancePct: 5 },
    status: 'pass',
  },
  {
    name: 'absolute passes, pct fails',
    value: 0.68,
    baseline: 0.7,
    spec: { tolerance: 0.05, tolerancePct: 1 },
    status: 'fail',
    failures: ['m regressed 0.02 (2.85714%) > tolerance-pct 1% vs baseline 0.7'],
  },
  {
    name: 'every check fails and each is named',
    value: 0.5,
    baseline: 0.7,
    spec: { min: 0.6, tolerance: 0.02, tolerancePct: 5 },
    status: 'fail',
    failures: [
      'm 0.5 < min 0.6',
      'm regressed 0.2 > tolerance 0.02 vs baseline 0.7',
      'm regressed 0.2 (28.5714%) > tolerance-pct 5% vs baseline 0.7',
    ],
  },
  {
    name: 'within tolerance but below min',
    value: 0.59,
    baseline: 0.6,
    spec: { min: 0.6, tolerance: 0.02 },
    status: 'fail',
    failures: ['m 0.59 < min 0.6'],
  },
];

describe('evaluate(): one gated metric', () => {
  it.each(cases)('$name', ({ value, baseline, spec, status, failures = [], notes = [] }) => {
    const results: Metrics = value === undefined ? { other: 1 } : { m: value };
    const base: Metrics | undefined = baseline === undefined ? undefined : { m: baseline };
    const e = evaluate(results, base, one(spec));
    const row = e.rows.find((r) => r.name === 'm')!;
    expect(row.status).toBe(status);
    expect(row.failures).toEqual(failures);
    expect(row.notes).toEqual(notes);
    expect(e.passed).toBe(status === 'pass');
    expect(e.regressions).toEqual(status === 'fail' ? ['m'] : []);
  });
});

describe('evaluate(): the whole table', () => {
  const thresholds: Thresholds = new Map([
    ['recall_at_5', t({ min: 0.6, tolerance: 0.02 })],
    ['mrr_at_10', t({ tolerance: 0.02 })],
    ['p95_latency_ms', t({ direction: 'lower', max: 500, tolerancePct: 50 })],
  ]);

  it('orders gated metrics first (thresholds order), then report-only metrics (results order)', () => {
    const e = evaluate(
      { queries: 38, p95_latency_ms: 20, mrr_at_10: 0.7, recall_at_5: 0.8, p50_latency_ms: 10 },
      undefined,
      thresholds,
    );
    expect(e.rows.map((r) => [r.name, r.status])).toEqual([
      ['recall_at_5', 'pass'],
      ['mrr_at_10', 'pass'],
      ['p95_latency_ms', 'pass'],
      ['queries', 'info'],
      ['p50_latency_ms', 'info'],
    ]);
    expect(e).toMatchObject({ passed: true, regressions: [], hasBaseline: false });
  });

  it('extra metrics never gate, however much they move', () => {
    const e = evaluate(
      { recall_at_5: 0.8, mrr_at_10: 0.7, p95_latency_ms: 1, queries: 1 },
      { queries: 1000 },
      thresholds,
    );
    const queries = e.rows.find((r) => r.name === 'queries')!;
    expect(queries).toMatchObject({ status: 'info', value: 1, baseline: 1000, delta: -999, failures: [] });
    expect(e.passed).toBe(true);
  });

  it('a baseline missing a gated metric skips its tolerance with a note; bounds still gate', () => {
    const e = evaluate(
      { recall_at_5: 0.5, mrr_at_10: 0.1, p95_latency_ms: 20 },
      { mrr_at_10: 0.7 },
      thresholds,
    );
    expect(e.rows.map((r) => [r.name, r.status, r.notes])).toEqual([
      ['recall_at_5', 'fail', ['recall_at_5 is not in the baseline: tolerance not checked']],
      ['mrr_at_10', 'fail', []],
      ['p95_latency_ms', 'pass', ['p95_latency_ms is not in the baseline: tolerance not checked']],
    ]);
    expect(e.regressions).toEqual(['recall_at_5', 'mrr_at_10']);
    expect(e.hasBaseline).toBe(true);
  });

  it('without thresholds nothing gates and the run passes', () => {
    const e = evaluate({ a: 1, b: 2 }, { a: 2 }, undefined);
    expect(e.rows.map((r) => r.status)).toEqual(['info', 'info']);
    expect(e).toMatchObject({ passed: true, regressions: [] });
  });

  it('computes signed deltas and percentages, with no percentage from a zero baseline', () => {
    const e = evaluate({ a: 0.75, b: 3, c: 5 }, { a: 0.7, b: 0, c: 10 }, undefined);
    expect(e.rows[0]!.delta).toBeCloseTo(0.05);
    expect(e.rows[0]!.deltaPct).toBeCloseTo(7.142857);
    expect(e.rows[1]).toMatchObject({ delta: 3 });
    expect(e.rows[1]!.deltaPct).toBeUndefined();
    expect(e.rows[2]).toMatchObject({ delta: -5, deltaPct: -50 });
  });

  it('names the results file for a missing metric and builds the failure message from every reason', () => {
    const e = evaluate(
      { recall_at_5: 0.61, mrr_at_10: 0.66, p95_latency_ms: 20 },
      { mrr_at_10: 0.7, recall_at_5: 0.62 },
      new Map([...thresholds, ['ndcg_at_10', t({})]]).set('recall_at_5', t({ min: 0.65 })),
      'the results file eval-results.json',
    );
    expect(e.regressions).toEqual(['recall_at_5', 'mrr_at_10', 'ndcg_at_10']);
    expect(failureMessage(e)).toBe(
      'eval-check: 3 metrics failed the gate: recall_at_5 0.61 < min 0.65; mrr_at_10 regressed 0.04 > tolerance 0.02 vs baseline 0.7; ndcg_at_10 is missing from the results file eval-results.json. See the eval report in the job summary; fix the regression or, if it is intended, change the thresholds file.',
    );
  });
});

describe('formatNumber()', () => {
  it.each([
    [0.020000000000000018, '0.02'],
    [0.7, '0.7'],
    [123.456789, '123.457'],
    [38, '38'],
    [-0.0001, '-0.0001'],
    [1234567.89, '1234568'],
    [0, '0'],
  ])('%s -> %s', (n, s) => expect(formatNumber(n)).toBe(s));
});
