import { ActionError, shown } from '../../toolkit/src/index.js';

/** Metric name -> value, in the order the file lists them. Values are always finite numbers. */
export type Metrics = Readonly<Record<string, number>>;

/** What a metrics file was called in errors: which kind of file, and its path as the workflow spells it. */
export interface FileLabel {
  kind: 'results' | 'baseline';
  name: string;
}

function fail(file: FileLabel, detail: string): never {
  throw new ActionError(`eval-check: ${file.kind} file ${file.name}: ${detail}`);
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `${shown(value)} (a string)`;
  if (typeof value === 'object') return 'an object';
  return String(value);
}

/**
 * Parses `{"metrics": {"<name>": <number>}}`. Other top-level keys are ignored (the reference service also
 * writes per-retriever scores and missed query ids); every metric value must be a finite number.
 */
export function parseMetrics(text: string, file: FileLabel): Metrics {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    fail(file, `not valid JSON (${(err as Error).message}). Expected {"metrics": {"<name>": <number>}}.`);
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
    fail(file, `expected a JSON object {"metrics": {...}}, got ${describeValue(doc)}.`);
  }
  const metrics = (doc as Record<string, unknown>).metrics;
  if (metrics === null || typeof metrics !== 'object' || Array.isArray(metrics)) {
    fail(
      file,
      `metrics: expected an object of metric names to numbers, got ${metrics === undefined ? 'no metrics key' : describeValue(metrics)}.`,
    );
  }
  const entries = Object.entries(metrics as Record<string, unknown>);
  if (entries.length === 0) fail(file, 'metrics: expected at least one metric, got an empty object.');
  for (const [name, value] of entries) {
    if (name.trim() === '') fail(file, 'metrics: expected metric names, got an empty name.');
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      fail(file, `metrics.${name}: expected a finite number, got ${describeValue(value)}.`);
    }
  }
  return Object.fromEntries(entries as [string, number][]);
}

export function hasMetric(metrics: Metrics, name: string): boolean {
  return Object.hasOwn(metrics, name);
}
