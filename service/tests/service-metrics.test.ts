import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import type { MetricValueWithName } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { createApiServer, detailedHealthReport, type ApiDeps } from '../src/api-server.js';
import { parseApi, parseBuildInfo } from '../src/config.js';
import { createInternalServer } from '../src/internal-server.js';
import { createLogger } from '../src/log.js';
import {
  createServiceMetrics,
  methodLabel,
  statusLabel,
  type RequestOutcome,
} from '../src/service-metrics.js';
import type { Retrievers } from '../src/search.js';
import { timedRetrievers } from '../src/timed-retrievers.js';

const build = parseBuildInfo({
  RELEASE_ID: '20260102030405-abc1234',
  APP_VERSION: '1.2.3',
  GIT_SHA: 'abc1234',
  IMAGE_DIGEST: 'registry/api@sha256:' + 'e'.repeat(64),
});

/** A clock the test moves by hand, in seconds. */
function clock(start = 100) {
  let t = start;
  return { now: () => t, advance: (s: number) => (t += s) };
}

type Value = MetricValueWithName<string>;

async function sample(metrics: ReturnType<typeof createServiceMetrics>, name: string): Promise<Value[]> {
  const all = await metrics.registry.getMetricsAsJSON();
  return (all.find((m) => m.name === name)?.values ?? []) as Value[];
}

describe('labels', () => {
  it.each<[string | undefined, string]>([
    ['GET', 'GET'],
    ['get', 'GET'],
    ['HEAD', 'HEAD'],
    ['PROPFIND', 'other'],
    ['X'.repeat(100), 'other'],
    [undefined, 'other'],
  ])('method %s -> %s', (method, label) => expect(methodLabel(method)).toBe(label));

  it.each<[RequestOutcome, string]>([
    [{ finished: true, statusCode: 200 }, '200'],
    [{ finished: true, statusCode: 503 }, '503'],
    [{ finished: false, statusCode: 200 }, 'aborted'],
  ])('status %j -> %s', (outcome, label) => expect(statusLabel(outcome)).toBe(label));
});

describe('createServiceMetrics', () => {
  it('exposes build_info with the release, version, sha and image', async () => {
    const metrics = createServiceMetrics(build, { defaultMetrics: false });
    expect(await sample(metrics, 'slipway_build_info')).toEqual([
      {
        value: 1,
        labels: {
          release: '20260102030405-abc1234',
          version: '1.2.3',
          git_sha: 'abc1234',
          image_digest: 'registry/api@sha256:' + 'e'.repeat(64),
        },
      },
    ]);
  });

  it('counts a request once, times it, and tracks it in flight until it is done', async () => {
    const c = clock();
    const metrics = createServiceMetrics(build, { defaultMetrics: false, now: c.now });
    const done = metrics.startRequest('/search', 'GET');
    expect((await sample(metrics, 'slipway_http_requests_in_flight'))[0]?.value).toBe(1);
    c.advance(0.3);
    done({ finished: true, statusCode: 200 });
    done({ finished: true, statusCode: 200 });
    expect((await sample(metrics, 'slipway_http_requests_in_flight'))[0]?.value).toBe(0);
    expect(await sample(metrics, 'slipway_http_requests_total')).toEqual([
      { value: 1, labels: { route: '/search', method: 'GET', status: '200' } },
    ]);
    const histogram = await sample(metrics, 'slipway_http_request_duration_seconds');
    const bucket = (le: number) =>
      histogram.find((v) => v.labels.le === le && v.metricName?.endsWith('_bucket'))?.value;
    expect([bucket(0.25), bucket(0.5)]).toEqual([0, 1]);
    expect(histogram.find((v) => v.metricName?.endsWith('_sum'))?.value).toBeCloseTo(0.3);
  });

  it('labels unknown routes as unmatched and aborted responses as aborted', async () => {
    const metrics = createServiceMetrics(build, { defaultMetrics: false });
    for (let i = 0; i < 50; i++) metrics.startRequest(undefined, 'GET')({ finished: true, statusCode: 404 });
    metrics.startRequest('/search', 'GET')({ finished: false, statusCode: 200 });
    expect(await sample(metrics, 'slipway_http_requests_total')).toEqual([
      { value: 50, labels: { route: 'unmatched', method: 'GET', status: '404' } },
      { value: 1, labels: { route: '/search', method: 'GET', status: 'aborted' } },
    ]);
  });

  it('includes the default process metrics unless turned off', async () => {
    const text = await createServiceMetrics(build).registry.metrics();
    expect(text).toMatch(/^process_cpu_seconds_total /m);
    expect(text).toMatch(/^nodejs_eventloop_lag_seconds /m);
    expect(await createServiceMetrics(build, { defaultMetrics: false }).registry.metrics()).not.toMatch(
      /process_cpu/,
    );
  });
});

describe('timedRetrievers', () => {
  it('times PostgreSQL and the vector store separately and counts failures', async () => {
    const c = clock();
    const metrics = createServiceMetrics(build, { defaultMetrics: false, now: c.now });
    const inner: Retrievers = {
      fullText: async () => {
        c.advance(0.004);
        return ['a'];
      },
      vector: async () => {
        c.advance(0.02);
        throw new Error('vector store away');
      },
      titles: async () => {
        c.advance(0.001);
        return new Map([['a', 'A']]);
      },
    };
    const timed = timedRetrievers(inner, metrics, c.now);
    expect(await timed.fullText('q', 4)).toEqual(['a']);
    await expect(timed.vector('q', 4)).rejects.toThrow('vector store away');
    expect(await timed.titles(['a'])).toEqual(new Map([['a', 'A']]));

    const sums = (await sample(metrics, 'slipway_search_store_duration_seconds'))
      .filter((v) => v.metricName?.endsWith('_sum'))
      .map((v) => [v.labels.store, v.labels.operation, Math.round(v.value * 1000)]);
    expect(sums).toEqual([
      ['postgres', 'full_text', 4],
      ['chroma', 'vector_query', 20],
      ['postgres', 'titles', 1],
    ]);
    expect(await sample(metrics, 'slipway_search_store_errors_total')).toEqual([
      { value: 1, labels: { store: 'chroma', operation: 'vector_query' } },
    ]);
  });
});

describe('public and internal listeners', () => {
  const servers: Server[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
  });

  async function listen(server: Server): Promise<string> {
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  function deps(databaseUp: boolean): ApiDeps {
    const retrievers: Retrievers = {
      fullText: async () => ['a'],
      vector: async () => ['a'],
      titles: async () => new Map([['a', 'A']]),
    };
    const metrics = createServiceMetrics(build, { defaultMetrics: false });
    return {
      config: parseApi({ DATA_DIR: '/' }, '/'),
      build,
      pool: {
        query: async () => {
          if (!databaseUp) throw new Error('connection refused');
          return { rows: [] };
        },
      } as unknown as ApiDeps['pool'],
      chroma: {
        heartbeat: async () => undefined,
        url: 'http://chroma:8000',
        collectionName: 'documents',
      } as unknown as ApiDeps['chroma'],
      retrievers: timedRetrievers(retrievers, metrics),
      log: createLogger('error'),
      startedAt: Date.now(),
      lifecycle: () => undefined,
      metrics,
    };
  }

  it.each([
    [true, 200, 'ok'],
    [false, 503, 'down'],
  ] as const)(
    'database up=%s: public /health/detailed says only %d %s; the internal one has the details',
    async (up, code, status) => {
      const d = deps(up);
      const publicBase = await listen(createApiServer(d));
      const internalBase = await listen(
        createInternalServer({ report: detailedHealthReport(d), metrics: d.metrics, log: d.log }),
      );
      const pub = await fetch(`${publicBase}/health/detailed`);
      expect(pub.status).toBe(code);
      expect(await pub.json()).toEqual({ status });
      const internal = await fetch(`${internalBase}/health/detailed`);
      expect(internal.status).toBe(code);
      expect(await internal.json()).toMatchObject({
        status,
        release: '20260102030405-abc1234',
        git_sha: 'abc1234',
        checks: expect.arrayContaining([expect.objectContaining({ name: 'database' })]),
      });
      // Neither /metrics nor anything else of the internal listener is reachable on the public port.
      expect((await fetch(`${publicBase}/metrics`)).status).toBe(404);
    },
  );

  it('serves the request metrics of the public port on the internal /metrics', async () => {
    const d = deps(true);
    const publicBase = await listen(createApiServer(d));
    const internalBase = await listen(
      createInternalServer({ report: detailedHealthReport(d), metrics: d.metrics, log: d.log }),
    );
    expect((await fetch(`${publicBase}/search?q=docker`)).status).toBe(200);
    expect((await fetch(`${publicBase}/search`)).status).toBe(400);
    expect((await fetch(`${publicBase}/no/such/${Math.random()}`)).status).toBe(404);
    const response = await fetch(`${internalBase}/metrics`);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await response.text();
    expect(text).toContain('slipway_http_requests_total{route="/search",method="GET",status="200"} 1');
    expect(text).toContain('slipway_http_requests_total{route="/search",method="GET",status="400"} 1');
    expect(text).toContain('slipway_http_requests_total{route="unmatched",method="GET",status="404"} 1');
    expect(text).toMatch(
      /slipway_search_store_duration_seconds_count\{store="postgres",operation="full_text"\} 1/,
    );
    expect(text).toMatch(
      /slipway_search_store_duration_seconds_count\{store="chroma",operation="vector_query"\} 1/,
    );
  });

  it('answers 404 on /metrics when metrics are off', async () => {
    const d = deps(true);
    const internalBase = await listen(createInternalServer({ report: detailedHealthReport(d), log: d.log }));
    expect((await fetch(`${internalBase}/metrics`)).status).toBe(404);
    expect((await fetch(`${internalBase}/health/detailed`)).status).toBe(200);
  });
});
