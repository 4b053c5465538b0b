// Runs every PromQL query of every committed Grafana dashboard (panels and annotations) against a Prometheus
// over a time window, as Grafana would, and names each one that returns no data: a query that returns nothing
// is a broken panel. Used by infra/monitoring's integration test, and meant for the rehearsal.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  interpolate,
  queriesOf,
  type DashboardJson,
  type PanelQuery,
} from '../../infra/monitoring/grafana/src/queries.js';
import type { PrometheusClient } from './prometheus-client.js';
import type { Window } from './server-errors.js';

export const DASHBOARDS_DIR = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  'infra',
  'monitoring',
  'grafana',
  'dashboards',
);

export function committedQueries(dir = DASHBOARDS_DIR): PanelQuery[] {
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .flatMap((f) => queriesOf(JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as DashboardJson));
}

export interface PanelCheck {
  queries: number;
  /** `<dashboard> / <panel>: <why>` for each query without data or with an error. */
  broken: string[];
}

/** stepSeconds: the range query's step; scrapeSeconds: Prometheus' scrape interval (for $__rate_interval). */
export async function checkPanelQueries(
  prometheus: PrometheusClient,
  window: Window,
  options: { stepSeconds: number; scrapeSeconds: number; queries?: PanelQuery[] },
): Promise<PanelCheck> {
  const queries = options.queries ?? committedQueries();
  const broken: string[] = [];
  for (const q of queries) {
    const expr = interpolate(q.expr, options.stepSeconds, options.scrapeSeconds);
    try {
      const result = await prometheus.queryRange(expr, window.start, window.end, options.stepSeconds);
      const values = result.flatMap((s) => s.values ?? []).filter(([, v]) => v !== 'NaN');
      if (values.length === 0) broken.push(`${q.dashboard} / ${q.source}: no data for ${expr}`);
    } catch (err) {
      broken.push(`${q.dashboard} / ${q.source}: ${(err as Error).message}`);
    }
  }
  return { queries: queries.length, broken };
}
