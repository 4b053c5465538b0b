import { describe, expect, it } from 'vitest';
import { parseMetrics } from '../src/metrics.js';

const file = { kind: 'results', name: 'eval-results.json' } as const;
const prefix = 'eval-check: results file eval-results.json: ';

describe('parseMetrics()', () => {
  it('reads the metrics object and ignores other top-level keys (as the reference service writes them)', () => {
    const text = JSON.stringify({
      metrics: { recall_at_5: 0.8421, mrr_at_10: 0.7, p95_latency_ms: 12.5, queries: 38 },
      retrievers: { fulltext: { recall_at_5: 0.5 } },
      missed_at_5: ['q1'],
    });
    expect(parseMetrics(text, file)).toEqual({
      recall_at_5: 0.8421,
      mrr_at_10: 0.7,
      p95_latency_ms: 12.5,
      queries: 38,
    });
  });

  it('keeps a metric called __proto__ as data, not as a prototype', () => {
    const m = parseMetrics('{"metrics": {"__proto__": 1, "a": 2}}', file);
    expect(Object.keys(m)).toEqual(['__proto__', 'a']);
  });

  it.each([
    [
      'not JSON',
      '{"metrics": ',
      /^not valid JSON \(.+\)\. Expected \{"metrics": \{"<name>": <number>\}\}\.$/,
    ],
    ['an array', '[1]', 'expected a JSON object {"metrics": {...}}, got an array.'],
    ['a number', '3', 'expected a JSON object {"metrics": {...}}, got 3.'],
    ['null', 'null', 'expected a JSON object {"metrics": {...}}, got null.'],
    [
      'no metrics key',
      '{"recall_at_5": 0.8}',
      'metrics: expected an object of metric names to numbers, got no metrics key.',
    ],
    [
      'metrics is a list',
      '{"metrics": [0.8]}',
      'metrics: expected an object of metric names to numbers, got an array.',
    ],
    ['metrics is empty', '{"metrics": {}}', 'metrics: expected at least one metric, got an empty object.'],
    [
      'a string value',
      '{"metrics": {"recall_at_5": "0.8"}}',
      "metrics.recall_at_5: expected a finite number, got '0.8' (a string).",
    ],
    [
      'a long string value, cut to a readable length',
      `{"metrics": {"recall_at_5": "${'9'.repeat(5000)}"}}`,
      `metrics.recall_at_5: expected a finite number, got '${'9'.repeat(80)}...' (5000 characters) (a string).`,
    ],
    [
      'a null value',
      '{"metrics": {"recall_at_5": null}}',
      'metrics.recall_at_5: expected a finite number, got null.',
    ],
    [
      'an object value',
      '{"metrics": {"fulltext": {"a": 1}}}',
      'metrics.fulltext: expected a finite number, got an object.',
    ],
    ['a boolean value', '{"metrics": {"ok": true}}', 'metrics.ok: expected a finite number, got true.'],
    [
      'an overflowing number (Infinity)',
      '{"metrics": {"mrr_at_10": 1e999}}',
      'metrics.mrr_at_10: expected a finite number, got Infinity.',
    ],
    [
      'a negative overflow',
      '{"metrics": {"mrr_at_10": -1e999}}',
      'metrics.mrr_at_10: expected a finite number, got -Infinity.',
    ],
    ['an empty name', '{"metrics": {" ": 1}}', 'metrics: expected metric names, got an empty name.'],
  ])('rejects %s, naming the file and key', (_label, text, detail) => {
    let message = '';
    try {
      parseMetrics(text, file);
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message.startsWith(prefix)).toBe(true);
    const rest = message.slice(prefix.length);
    if (typeof detail === 'string') expect(rest).toBe(detail);
    else expect(rest).toMatch(detail);
  });

  it('names a baseline file as such', () => {
    expect(() => parseMetrics('{}', { kind: 'baseline', name: 'eval/baseline.json' })).toThrow(
      'eval-check: baseline file eval/baseline.json: metrics: expected an object of metric names to numbers, got no metrics key.',
    );
  });
});
