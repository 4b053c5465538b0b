// Server-side failures in a time window, from Prometheus: the api's 5xx answers and its connection errors
// (requests whose connection closed before the api finished answering: status="aborted" in
// slipway_http_requests_total). The rehearsal reports them per deploy and rollback window next to the load
// generator's own counts (`serverErrors`).
//
// Counts are exact, not extrapolated like increase(): they come from the raw samples of every series, starting
// from the series' value at the window's start, or from 0 for a series born inside the window (a new slot's
// process, or the first error of a kind: prom-client creates a labelled series at its first increment, so its
// first sample already counts errors). Counter resets (a process restarted in the same slot) are followed.
// Errors between the window's end and the next scrape are not seen: wait one scrape interval (marginSeconds)
// after the window, which serverErrors does. A request that never reached an api (the proxy could not dial
// any slot) is invisible here: Caddy 2.6 exposes no request metrics; the load generator still counts it.
import type { PrometheusClient, Sample } from './prometheus-client.js';

export const SERVER_ERROR_SELECTOR = 'slipway_http_requests_total{status=~"5..|aborted"}';

export interface ServerErrors {
  /** 5xx answers of the api. */
  status5xx: number;
  /** Requests whose connection closed before the api had answered. */
  connectionErrors: number;
  /** The same, per status code and route, for a report's detail. */
  byStatus: Record<string, number>;
}

export interface Window {
  /** Unix seconds. */
  start: number;
  end: number;
}

/** What a counter gained over `values` (in time order), starting from `baseline`; a drop is a reset to 0. */
export function exactIncrease(baseline: number, values: readonly number[]): number {
  let total = 0;
  let previous = baseline;
  for (const value of values) {
    total += value >= previous ? value - previous : value;
    previous = value;
  }
  return total;
}

const seriesKey = (metric: Record<string, string>): string =>
  JSON.stringify(
    Object.entries(metric)
      .filter(([k]) => k !== '__name__')
      .sort(([a], [b]) => a.localeCompare(b)),
  );

/** Pure: counts from the raw samples in the window and each series' value at its start. */
export function countServerErrors(inWindow: readonly Sample[], atStart: readonly Sample[]): ServerErrors {
  const baselines = new Map(atStart.map((s) => [seriesKey(s.metric), Number(s.value?.[1] ?? 0)]));
  const result: ServerErrors = { status5xx: 0, connectionErrors: 0, byStatus: {} };
  for (const series of inWindow) {
    const values = (series.values ?? []).map(([, v]) => Number(v));
    const gained = exactIncrease(baselines.get(seriesKey(series.metric)) ?? 0, values);
    if (gained === 0) continue;
    const status = series.metric.status ?? '';
    if (status === 'aborted') result.connectionErrors += gained;
    else result.status5xx += gained;
    const key = `${status} ${series.metric.route ?? ''}`.trim();
    result.byStatus[key] = (result.byStatus[key] ?? 0) + gained;
  }
  return result;
}

export interface ServerErrorOptions {
  /** The scrape interval of the api job, waited after the window's end (production: 15). */
  marginSeconds?: number;
  /** How far back a series' value at the window's start may be found. */
  lookbackSeconds?: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export async function serverErrors(
  prometheus: PrometheusClient,
  window: Window,
  options: ServerErrorOptions = {},
): Promise<ServerErrors> {
  if (!(window.end >= window.start)) {
    throw new Error(`serverErrors: the window ends (${window.end}) before it starts (${window.start}).`);
  }
  const margin = options.marginSeconds ?? 15;
  const now = options.now ?? (() => Date.now() / 1000);
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const until = window.end + margin;
  if (now() < until) await sleep((until - now()) * 1000);

  const range = Math.max(1, Math.ceil(until - window.start));
  const inWindow = await prometheus.query(`${SERVER_ERROR_SELECTOR}[${range}s]`, until);
  const atStart = await prometheus.query(
    `last_over_time(${SERVER_ERROR_SELECTOR}[${options.lookbackSeconds ?? 3600}s])`,
    window.start,
  );
  return countServerErrors(inWindow, atStart);
}
