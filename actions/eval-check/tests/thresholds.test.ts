import { describe, expect, it } from 'vitest';
import { parseThresholds } from '../src/thresholds.js';

const FILE = 'eval/thresholds.yaml';

describe('parseThresholds()', () => {
  it('reads every key, defaults direction to higher and keeps the file order', () => {
    const t = parseThresholds(
      [
        'metrics:',
        '  recall_at_5: { min: 0.6, tolerance: 0.02 }',
        '  p95_latency_ms:',
        '    direction: lower',
        '    max: 2000',
        '    tolerance-pct: 50',
        '  ndcg_at_10: {}',
        '  score: { direction: higher, min: -1, max: 1, tolerance: 0, tolerance-pct: 0 }',
      ].join('\n'),
      FILE,
    );
    expect([...t.entries()]).toEqual([
      ['recall_at_5', { direction: 'higher', min: 0.6, tolerance: 0.02 }],
      ['p95_latency_ms', { direction: 'lower', max: 2000, tolerancePct: 50 }],
      ['ndcg_at_10', { direction: 'higher' }],
      ['score', { direction: 'higher', min: -1, max: 1, tolerance: 0, tolerancePct: 0 }],
    ]);
  });

  it.each([
    [
      'an unknown direction',
      'metrics:\n  recall_at_5: { direction: up }',
      "metrics.recall_at_5.direction: expected higher|lower, got 'up'.",
    ],
    [
      'a misspelt key',
      'metrics:\n  recall_at_5: { min: 0.6, tolerence: 0.02 }',
      'metrics.recall_at_5.tolerence: unknown key. Expected one of direction, min, max, tolerance, tolerance-pct.',
    ],
    [
      'tolerance_pct instead of tolerance-pct',
      'metrics:\n  m: { tolerance_pct: 5 }',
      'metrics.m.tolerance_pct: unknown key. Expected one of direction, min, max, tolerance, tolerance-pct.',
    ],
    ['an unknown top-level key', 'metric:\n  m: {}', "metric: unknown key. Expected only 'metrics'."],
    [
      'a second top-level key',
      'metrics:\n  m: {}\nversion: 1',
      "version: unknown key. Expected only 'metrics'.",
    ],
    [
      'a quoted number',
      "metrics:\n  m: { min: '0.6' }",
      "metrics.m.min: expected a finite number, got '0.6'.",
    ],
    ['.inf', 'metrics:\n  m: { max: .inf }', 'metrics.m.max: expected a finite number, got Infinity.'],
    ['.nan', 'metrics:\n  m: { min: .nan }', 'metrics.m.min: expected a finite number, got NaN.'],
    [
      'a negative tolerance',
      'metrics:\n  m: { tolerance: -0.1 }',
      'metrics.m.tolerance: expected a finite number >= 0, got -0.1.',
    ],
    [
      'a negative tolerance-pct',
      'metrics:\n  m: { tolerance-pct: -5 }',
      'metrics.m.tolerance-pct: expected a finite number >= 0, got -5.',
    ],
    [
      'a tolerance-pct written with %',
      'metrics:\n  m: { tolerance-pct: 5% }',
      "metrics.m.tolerance-pct: expected a finite number >= 0, got '5%'.",
    ],
    [
      'min above max',
      'metrics:\n  m: { min: 2, max: 1 }',
      'metrics.m: min 2 is greater than max 1; no value could pass.',
    ],
    [
      'a metric without a mapping',
      'metrics:\n  m:',
      'metrics.m: expected a mapping of bounds (e.g. { direction: higher, min: 0.5 }), got nothing.',
    ],
    [
      'a metric given a number',
      'metrics:\n  m: 0.6',
      'metrics.m: expected a mapping of bounds (e.g. { direction: higher, min: 0.5 }), got 0.6.',
    ],
    [
      'metrics as a list',
      'metrics:\n  - m',
      'metrics: expected a mapping of metric names to bounds, got a list.',
    ],
    ['no metrics', 'metrics: {}', 'metrics: expected at least one metric, got an empty mapping.'],
    ['an empty file', '', "(top level): expected a mapping with a 'metrics' key, got nothing."],
    ['a scalar file', 'hello', "(top level): expected a mapping with a 'metrics' key, got 'hello'."],
  ])('rejects %s, naming the file and the key', (_label, text, detail) => {
    expect(() => parseThresholds(text, FILE)).toThrow(`eval-check: thresholds file ${FILE}: ${detail}`);
  });

  it('rejects invalid YAML and duplicate keys with the parser message', () => {
    expect(() => parseThresholds('metrics:\n  m: { min: [', FILE)).toThrow(
      /^eval-check: thresholds file eval\/thresholds.yaml: not valid YAML \(.+\)\. Fix the syntax\.$/,
    );
    expect(() => parseThresholds('metrics:\n  m: {}\n  m: { min: 1 }', FILE)).toThrow(
      /duplicated mapping key/,
    );
  });

  it('accepts the example file shipped with the reference service', async () => {
    const fs = await import('node:fs');
    const path = await import('node:path');
    const file = path.resolve(import.meta.dirname, '../../../service/eval/thresholds.yaml');
    const t = parseThresholds(fs.readFileSync(file, 'utf8'), 'service/eval/thresholds.yaml');
    expect([...t.keys()]).toEqual(['recall_at_5', 'mrr_at_10', 'ndcg_at_10', 'p95_latency_ms']);
    expect(t.get('p95_latency_ms')).toMatchObject({ direction: 'lower' });
  });
});
