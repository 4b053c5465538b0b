// The panel check's verdicts: a query with data passes, one without data (or only NaN) and one Prometheus
// refuses are each named with their dashboard and panel. Prometheus itself is exercised by
// infra/monitoring/tests/monitoring.int.test.ts and by the rehearsal; here it answers from a table.
import { describe, expect, it } from 'vitest';
import { checkPanelQueries, committedQueries } from '../panel-queries.js';
import { type PrometheusClient, PrometheusError, type Sample } from '../prometheus-client.js';

const answers: Record<string, Sample[] | Error> = {
  'sum(rate(slipway_http_requests_total[1m]))': [{ metric: {}, values: [[1, '3.5']] }],
  'sum(slipway_http_requests_in_flight)': [{ metric: {}, values: [[1, 'NaN']] }],
  'sum(slipway_no_such_metric)': [],
  'sum(rate(slipway_http_requests_total[1m]) by (': new PrometheusError('sum(', 'bad_data: parse error'),
};
const client = {
  queryRange: (expr: string) => {
    const a = answers[expr];
    return a instanceof Error ? Promise.reject(a) : Promise.resolve(a ?? []);
  },
} as unknown as PrometheusClient;
const query = (source: string, expr: string) => ({
  dashboard: 'slipway-service',
  source,
  expr,
  annotation: false,
});

describe('checkPanelQueries', () => {
  it('names every query without data or refused, and passes the others', async () => {
    const check = await checkPanelQueries(
      client,
      { start: 0, end: 60 },
      {
        stepSeconds: 15,
        scrapeSeconds: 15,
        queries: [
          query('Request rate', 'sum(rate(slipway_http_requests_total[1m]))'),
          query('In flight', 'sum(slipway_http_requests_in_flight)'),
          query('Broken', 'sum(slipway_no_such_metric)'),
          query('Typo', 'sum(rate(slipway_http_requests_total[1m]) by ('),
        ],
      },
    );
    expect(check.queries).toBe(4);
    expect(check.broken).toEqual([
      'slipway-service / In flight: no data for sum(slipway_http_requests_in_flight)',
      'slipway-service / Broken: no data for sum(slipway_no_such_metric)',
      expect.stringMatching(/^slipway-service \/ Typo: Prometheus query failed: bad_data: parse error/),
    ]);
  });

  it('finds the queries of every committed dashboard', () => {
    const queries = committedQueries();
    expect(new Set(queries.map((q) => q.dashboard))).toEqual(
      new Set(['slipway-backups', 'slipway-data', 'slipway-deploys', 'slipway-host', 'slipway-service']),
    );
    expect(queries.length).toBeGreaterThan(40);
  });
});
