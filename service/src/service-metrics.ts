// The service's Prometheus metrics (prom-client), served on the internal listener (internal-server.ts).
// Label values are bounded on purpose: routes are the API's route templates (anything else is `unmatched`),
// methods are a fixed list, statuses are the codes the server itself sends. Metric names are the contract
// of the dashboards and alert rules in infra/monitoring: change them together.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { BuildInfo } from './config.js';

export const UNMATCHED_ROUTE = 'unmatched';
export const ABORTED_STATUS = 'aborted';
const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/** Where a retriever's time goes: which backing store, and which of its operations. */
export type Store = 'postgres' | 'chroma';

export interface ServiceMetrics {
  readonly registry: Registry;
  /** Call when a request starts; call the returned function once when its response is done. */
  startRequest(route: string | undefined, method: string | undefined): (outcome: RequestOutcome) => void;
  observeStore(store: Store, operation: string, seconds: number, ok: boolean): void;
}

export interface RequestOutcome {
  /** false when the client went away before the response was complete. */
  finished: boolean;
  statusCode: number;
}

const HTTP_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const STORE_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

export function methodLabel(method: string | undefined): string {
  const upper = (method ?? '').toUpperCase();
  return METHODS.has(upper) ? upper : 'other';
}

export function statusLabel(outcome: RequestOutcome): string {
  return outcome.finished ? String(outcome.statusCode) : ABORTED_STATUS;
}

export interface MetricsOptions {
  /** process_* and nodejs_* metrics; off in unit tests that compare the whole exposition. */
  defaultMetrics?: boolean;
  now?: () => number;
}

export function createServiceMetrics(build: BuildInfo, options: MetricsOptions = {}): ServiceMetrics {
  const registry = new Registry();
  const registers = [registry];
  const now = options.now ?? (() => performance.now() / 1000);
  // The event-loop delay is sampled every 100 ms, not prom-client's 10 ms: measured idle, 10 ms costs 3.2 ms of
  // CPU per second (a timer waking the loop 100 times a second), 100 ms costs 0.5 ms.
  if (options.defaultMetrics ?? true) {
    collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 100 });
  }

  new Gauge({
    name: 'slipway_build_info',
    help: 'Always 1; the labels name the running build: release id, version, git sha and image reference.',
    labelNames: ['release', 'version', 'git_sha', 'image_digest'],
    registers,
  }).set(
    {
      release: build.releaseId,
      version: build.version,
      git_sha: build.gitSha,
      image_digest: build.imageDigest ?? 'unknown',
    },
    1,
  );
  const requests = new Counter({
    name: 'slipway_http_requests_total',
    help: 'HTTP requests answered, by route template, method and status code (aborted: the client left first).',
    labelNames: ['route', 'method', 'status'],
    registers,
  });
  const duration = new Histogram({
    name: 'slipway_http_request_duration_seconds',
    help: 'Time from the request to the end of its response, by route template and method.',
    labelNames: ['route', 'method'],
    buckets: HTTP_BUCKETS,
    registers,
  });
  const inFlight = new Gauge({
    name: 'slipway_http_requests_in_flight',
    help: 'Requests being served right now.',
    registers,
  });
  const storeDuration = new Histogram({
    name: 'slipway_search_store_duration_seconds',
    help: 'Time search spends in each backing store, by store (postgres, chroma) and operation.',
    labelNames: ['store', 'operation'],
    buckets: STORE_BUCKETS,
    registers,
  });
  const storeErrors = new Counter({
    name: 'slipway_search_store_errors_total',
    help: 'Failed calls from search to a backing store, by store and operation.',
    labelNames: ['store', 'operation'],
    registers,
  });

  return {
    registry,
    startRequest(route, method) {
      const started = now();
      const labels = { route: route ?? UNMATCHED_ROUTE, method: methodLabel(method) };
      inFlight.inc();
      let done = false;
      return (outcome) => {
        if (done) return;
        done = true;
        inFlight.dec();
        requests.inc({ ...labels, status: statusLabel(outcome) });
        duration.observe(labels, now() - started);
      };
    },
    observeStore(store, operation, seconds, ok) {
      storeDuration.observe({ store, operation }, seconds);
      if (!ok) storeErrors.inc({ store, operation });
    },
  };
}
