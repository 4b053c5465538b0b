import { hasMetric, type Metrics } from './metrics.js';
import type { MetricThreshold, Thresholds } from './thresholds.js';

export type Status = 'pass' | 'fail' | 'info';

export interface MetricRow {
  name: string;
  /** This run's value; undefined when the results lack the metric. */
  value?: number;
  baseline?: number;
  /** value - baseline (signed, not direction-aware). */
  delta?: number;
  /** delta in percent of |baseline|; undefined when the baseline is 0. */
  deltaPct?: number;
  /** Present for gated metrics (named in the thresholds file). */
  threshold?: MetricThreshold;
  status: Status;
  /** Why a gated metric failed, e.g. "recall_at_5 0.61 < min 0.65". */
  failures: string[];
  /** Why a check was skipped, e.g. the baseline lacks the metric. */
  notes: string[];
}

export interface Evaluation {
  /** Gated metrics first, in thresholds order; then report-only metrics in results order. */
  rows: MetricRow[];
  passed: boolean;
  /** Names of the metrics that failed (out of bounds, regressed, or missing). */
  regressions: string[];
  hasBaseline: boolean;
}

/**
 * Numbers as people read them: 6 significant digits (never fewer than the integer digits), no float noise
 * (0.020000000000000018 -> 0.02).
 */
export function formatNumber(n: number): string {
  const digits = Math.max(6, Math.floor(Math.log10(Math.abs(n))) + 1);
  return String(Number(n.toPrecision(Math.min(digits, 100))));
}

/**
 * True when `amount` is larger than `limit` by more than float rounding. Metrics are differences of decimals,
 * so 0.70 - 0.68 must not count as exceeding a tolerance of 0.02.
 */
function exceeds(amount: number, limit: number): boolean {
  return amount - limit > 1e-9 * Math.max(1, Math.abs(amount), Math.abs(limit));
}

function gate(
  name: string,
  value: number,
  baseline: number | undefined,
  t: MetricThreshold,
  hasBaseline: boolean,
) {
  const failures: string[] = [];
  const notes: string[] = [];
  const v = formatNumber(value);
  if (t.min !== undefined && value < t.min) failures.push(`${name} ${v} < min ${formatNumber(t.min)}`);
  if (t.max !== undefined && value > t.max) failures.push(`${name} ${v} > max ${formatNumber(t.max)}`);
  const relative = t.tolerance !== undefined || t.tolerancePct !== undefined;
  if (relative && baseline === undefined && hasBaseline) {
    notes.push(`${name} is not in the baseline: tolerance not checked`);
  }
  if (relative && baseline !== undefined) {
    const regression = t.direction === 'higher' ? baseline - value : value - baseline;
    const b = formatNumber(baseline);
    if (t.tolerance !== undefined && exceeds(regression, t.tolerance)) {
      failures.push(
        `${name} regressed ${formatNumber(regression)} > tolerance ${formatNumber(t.tolerance)} vs baseline ${b}`,
      );
    }
    if (t.tolerancePct !== undefined) {
      const allowed = (Math.abs(baseline) * t.tolerancePct) / 100;
      if (exceeds(regression, allowed)) {
        const pct =
          baseline === 0
            ? 'from a zero baseline'
            : `${formatNumber((regression / Math.abs(baseline)) * 100)}%`;
        failures.push(
          `${name} regressed ${formatNumber(regression)} (${pct}) > tolerance-pct ${formatNumber(t.tolerancePct)}% vs baseline ${b}`,
        );
      }
    }
  }
  return { failures, notes };
}

/**
 * The gate. Pure: results, the baseline (if any) and the thresholds (if any) in; one row per metric, the
 * verdict and the failing names out. Metrics named in the thresholds gate; all others are reported as info.
 */
export function evaluate(
  results: Metrics,
  baseline: Metrics | undefined,
  thresholds: Thresholds | undefined,
  resultsName = 'the results',
): Evaluation {
  const gated = [...(thresholds?.keys() ?? [])];
  const names = [...gated, ...Object.keys(results).filter((n) => !thresholds?.has(n))];
  const hasBaseline = baseline !== undefined;
  const rows = names.map((name): MetricRow => {
    const threshold = thresholds?.get(name);
    const value = hasMetric(results, name) ? results[name] : undefined;
    const base = baseline && hasMetric(baseline, name) ? baseline[name] : undefined;
    const row: MetricRow = { name, status: 'info', failures: [], notes: [] };
    if (value !== undefined) row.value = value;
    if (base !== undefined) row.baseline = base;
    if (value !== undefined && base !== undefined) {
      row.delta = value - base;
      if (base !== 0) row.deltaPct = ((value - base) / Math.abs(base)) * 100;
    }
    if (!threshold) return row;
    row.threshold = threshold;
    if (value === undefined) {
      row.failures.push(`${name} is missing from ${resultsName}`);
    } else {
      const { failures, notes } = gate(name, value, base, threshold, hasBaseline);
      row.failures.push(...failures);
      row.notes.push(...notes);
    }
    row.status = row.failures.length > 0 ? 'fail' : 'pass';
    return row;
  });
  const regressions = rows.filter((r) => r.status === 'fail').map((r) => r.name);
  return { rows, passed: regressions.length === 0, regressions, hasBaseline };
}

/** The step's failure message: every failing metric and why, e.g. "recall_at_5 0.61 < min 0.65; ...". */
export function failureMessage(evaluation: Evaluation): string {
  const why = evaluation.rows.flatMap((r) => r.failures).join('; ');
  const n = evaluation.regressions.length;
  return `eval-check: ${n} metric${n === 1 ? '' : 's'} failed the gate: ${why}. See the eval report in the job summary; fix the regression or, if it is intended, change the thresholds file.`;
}
