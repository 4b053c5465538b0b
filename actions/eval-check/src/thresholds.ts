import yaml from 'js-yaml';
import { ActionError, shown as quoted } from '../../toolkit/src/index.js';

export type Direction = 'higher' | 'lower';

/** The bounds of one metric. Every bound given must hold; a metric with none only has to be present. */
export interface MetricThreshold {
  /** Which way is better. Regressions are measured against it. */
  direction: Direction;
  /** Absolute bounds, inclusive. */
  min?: number;
  max?: number;
  /** Largest allowed regression against the baseline, in the metric's unit. */
  tolerance?: number;
  /** Largest allowed regression against the baseline, in percent of the baseline value. */
  tolerancePct?: number;
}

/** Gated metrics in the order the file lists them. */
export type Thresholds = ReadonlyMap<string, MetricThreshold>;

const KEYS = ['direction', 'min', 'max', 'tolerance', 'tolerance-pct'] as const;
const DIRECTIONS: readonly Direction[] = ['higher', 'lower'];

function shown(value: unknown): string {
  if (value === null || value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return quoted(value);
  return String(value);
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * Parses the thresholds YAML:
 *
 *     metrics:
 *       recall_at_5: { direction: higher, min: 0.6, tolerance: 0.02 }
 *       p95_latency_ms: { direction: lower, max: 250, tolerance-pct: 25 }
 *
 * Strict on purpose: an unknown key (a typo such as `tolerence`) or a quoted number would otherwise switch a
 * gate off without anyone noticing, so both are errors naming the file and the key.
 */
export function parseThresholds(text: string, fileName: string): Thresholds {
  const fail = (key: string, detail: string): never => {
    throw new ActionError(`eval-check: thresholds file ${fileName}: ${key}: ${detail}`);
  };
  let doc: unknown;
  try {
    doc = yaml.load(text, { filename: fileName });
  } catch (err) {
    throw new ActionError(
      `eval-check: thresholds file ${fileName}: not valid YAML (${(err as Error).message.split('\n')[0]}). Fix the syntax.`,
    );
  }
  if (!isMapping(doc)) fail('(top level)', `expected a mapping with a 'metrics' key, got ${shown(doc)}.`);
  const top = doc as Record<string, unknown>;
  for (const key of Object.keys(top)) {
    if (key !== 'metrics') fail(key, `unknown key. Expected only 'metrics'.`);
  }
  const metrics = top.metrics;
  if (!isMapping(metrics))
    fail('metrics', `expected a mapping of metric names to bounds, got ${shown(metrics)}.`);
  const entries = Object.entries(metrics as Record<string, unknown>);
  if (entries.length === 0) fail('metrics', 'expected at least one metric, got an empty mapping.');

  const out = new Map<string, MetricThreshold>();
  for (const [name, spec] of entries) {
    const at = `metrics.${name}`;
    if (!isMapping(spec))
      fail(at, `expected a mapping of bounds (e.g. { direction: higher, min: 0.5 }), got ${shown(spec)}.`);
    const s = spec as Record<string, unknown>;
    for (const key of Object.keys(s)) {
      if (!(KEYS as readonly string[]).includes(key))
        fail(`${at}.${key}`, `unknown key. Expected one of ${KEYS.join(', ')}.`);
    }
    const number = (key: (typeof KEYS)[number], nonNegative: boolean): number | undefined => {
      const value = s[key];
      if (value === undefined) return undefined;
      if (typeof value !== 'number' || !Number.isFinite(value)) {
        fail(`${at}.${key}`, `expected a finite number${nonNegative ? ' >= 0' : ''}, got ${shown(value)}.`);
      }
      if (nonNegative && (value as number) < 0)
        fail(`${at}.${key}`, `expected a finite number >= 0, got ${shown(value)}.`);
      return value as number;
    };
    const direction = s.direction ?? 'higher';
    if (!DIRECTIONS.includes(direction as Direction)) {
      fail(`${at}.direction`, `expected ${DIRECTIONS.join('|')}, got ${shown(direction)}.`);
    }
    const threshold: MetricThreshold = { direction: direction as Direction };
    const min = number('min', false);
    const max = number('max', false);
    const tolerance = number('tolerance', true);
    const tolerancePct = number('tolerance-pct', true);
    if (min !== undefined && max !== undefined && min > max) {
      fail(at, `min ${min} is greater than max ${max}; no value could pass.`);
    }
    if (min !== undefined) threshold.min = min;
    if (max !== undefined) threshold.max = max;
    if (tolerance !== undefined) threshold.tolerance = tolerance;
    if (tolerancePct !== undefined) threshold.tolerancePct = tolerancePct;
    out.set(name, threshold);
  }
  return out;
}
