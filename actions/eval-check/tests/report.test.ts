import MarkdownIt from 'markdown-it';
import { describe, expect, it } from 'vitest';
import { evaluate } from '../src/evaluate.js';
import { formatBound, formatDelta, renderReport } from '../src/report.js';
import type { Thresholds } from '../src/thresholds.js';

const thresholds: Thresholds = new Map([
  ['recall_at_5', { direction: 'higher', min: 0.65, tolerance: 0.02 }],
  ['p95_latency_ms', { direction: 'lower', max: 500, tolerancePct: 50 }],
]);

describe('renderReport()', () => {
  it('renders the verdict, the baseline, one row per metric, failures and the run link', () => {
    const e = evaluate(
      { recall_at_5: 0.61, p95_latency_ms: 30, queries: 38 },
      { recall_at_5: 0.7, p95_latency_ms: 20, queries: 38 },
      thresholds,
    );
    const md = renderReport(e, {
      baselineSource: 'file `eval/baseline.json`',
      valueLabel: 'This PR',
      runUrl: 'https://github.com/acme/shop/actions/runs/1',
    });
    expect(md).toBe(
      [
        '### Eval check: ❌ failed: 1 of 2 gated metrics',
        '',
        'Baseline: file `eval/baseline.json`.',
        '',
        '| Metric | Baseline | This PR | Delta | Bound | Status |',
        '|---|---|---|---|---|---|',
        '| `recall_at_5` | 0.7 | 0.61 | -0.09 (-12.86%) | higher is better, min 0.65, tolerance 0.02 | ❌ fail |',
        '| `p95_latency_ms` | 20 | 30 | +10 (+50%) | lower is better, max 500, tolerance-pct 50% | ✅ pass |',
        '| `queries` | 38 | 38 | 0 (0%) | not gated | info |',
        '',
        '**Failures**',
        '',
        '- `recall_at_5` 0.61 &lt; min 0.65',
        '- `recall_at_5` regressed 0.09 &gt; tolerance 0.02 vs baseline 0.7',
        '',
        '[Workflow run](https://github.com/acme/shop/actions/runs/1)',
        '',
      ].join('\n'),
    );
  });

  it('says when there was no baseline, and shows missing values', () => {
    const e = evaluate({ p95_latency_ms: 30 }, undefined, thresholds);
    const md = renderReport(e, { valueLabel: 'This run' });
    expect(md).toContain(
      'No baseline: only absolute bounds (min, max) were checked; tolerances need a baseline.',
    );
    expect(md).toContain(
      '| `recall_at_5` |  | missing |  | higher is better, min 0.65, tolerance 0.02 | ❌ fail |',
    );
    expect(md).toContain('| Metric | Baseline | This run |');
    expect(md).toContain('- `recall_at_5` is missing from the results');
    expect(md.startsWith('### Eval check: ❌ failed: 1 of 2 gated metrics')).toBe(true);
  });

  it('lists notes, and a passing or ungated verdict', () => {
    const passing = evaluate({ recall_at_5: 0.7, p95_latency_ms: 1 }, { other: 1 }, thresholds);
    const md = renderReport(passing, { baselineSource: 'x', valueLabel: 'This PR' });
    expect(md).toContain('### Eval check: ✅ passed (2 gated metrics)');
    expect(md).toContain('**Notes**\n\n- `recall_at_5` is not in the baseline: tolerance not checked\n');
    const ungated = renderReport(evaluate({ a: 1 }, undefined, undefined), { valueLabel: 'This PR' });
    expect(ungated).toContain('### Eval check: ℹ️ no metric is gated (no thresholds file)');
  });

  it('shows metric names from the files as text: no link, image, HTML, extra table cell or heading', () => {
    const evil = [
      'x](https://evil.example) <img src=x onerror=alert(1)>',
      'a|b\n# heading',
      '`code` and ``more``',
      '<!-- hide the rest',
      '[click](https://evil.example)',
    ];
    const names = new Map(evil.map((n) => [n, { direction: 'higher' as const, min: 1 }]));
    const results = Object.fromEntries(evil.map((n) => [n, 0]));
    const md = renderReport(evaluate(results, results, names), { valueLabel: 'This PR' });
    // Rendered the way GitHub renders a summary or a comment: GFM tables, raw HTML allowed.
    const html = new MarkdownIt({ html: true }).render(md);
    expect(html).not.toMatch(/<img|<!--|<a |<h1/);
    const rows = html.split('<tr>').slice(2);
    expect(rows).toHaveLength(evil.length);
    for (const row of rows) expect(row.match(/<td>/g), row).toHaveLength(6);
    expect(html).toContain('<code>x](https://evil.example) &lt;img src=x onerror=alert(1)&gt;</code>');
    expect(html).toContain('<li><code>`code` and ``more``</code> 0 &lt; min 1</li>');
  });

  it('formats deltas and bounds', () => {
    expect(formatDelta({ name: 'a', status: 'info', failures: [], notes: [], delta: 3 })).toBe('+3 (n/a)');
    expect(formatDelta({ name: 'a', status: 'info', failures: [], notes: [] })).toBe('');
    expect(formatBound(undefined)).toBe('not gated');
    expect(formatBound({ direction: 'lower' })).toBe('lower is better');
  });
});
