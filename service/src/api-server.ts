// The retrieval API: node:http, no framework. Routes: /health, /health/detailed, /version, /search.
// /health/detailed answers only its status here (the public side, behind the proxy); the full report with
// checks and build details is served on the internal listener (internal-server.ts).
import { statfs } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { ApiConfig, BuildInfo } from './config.js';
import type { ChromaStore } from './chroma.js';
import type { Pool } from './db.js';
import { aggregate, diskStatus, httpStatusFor, runCheck, type Check, type Status } from './health.js';
import { SERVER_TIMEOUTS, sendJson } from './http-util.js';
import type { Lifecycle } from './lifecycle.js';
import type { Logger } from './log.js';
import { hybridSearch, parseSearchParams, type Retrievers } from './search.js';
import type { ServiceMetrics } from './service-metrics.js';

export interface ApiDeps {
  config: ApiConfig;
  build: BuildInfo;
  pool: Pool;
  chroma: ChromaStore;
  retrievers: Retrievers;
  log: Logger;
  startedAt: number;
  lifecycle: () => Lifecycle | undefined;
  /** Request metrics; absent when METRICS_ENABLED=false. */
  metrics?: ServiceMetrics;
}

export interface HealthReport {
  code: number;
  body: { status: Status } & Record<string, unknown>;
}

export function healthChecks(deps: Pick<ApiDeps, 'pool' | 'chroma' | 'config'>): Check[] {
  return [
    {
      name: 'database',
      required: true,
      run: async () => {
        await deps.pool.query('SELECT 1');
      },
    },
    {
      // Not required: without it search still answers from full-text alone.
      name: 'chroma',
      required: false,
      run: async () => {
        await deps.chroma.heartbeat();
        return { detail: { url: deps.chroma.url, collection: deps.chroma.collectionName } };
      },
    },
    {
      name: 'disk',
      required: false,
      run: async () => {
        const stats = await statfs(deps.config.dataDir);
        const facts = { freeBytes: stats.bavail * stats.bsize, totalBytes: stats.blocks * stats.bsize };
        return {
          status: diskStatus(facts, deps.config.diskMinFreeBytes),
          detail: {
            path: deps.config.dataDir,
            free_bytes: facts.freeBytes,
            total_bytes: facts.totalBytes,
            min_free_bytes: deps.config.diskMinFreeBytes,
          },
        };
      },
    },
  ];
}

/** The detailed health report: every check, the build and the uptime, with the HTTP status it maps to. */
export function detailedHealthReport(deps: ApiDeps): () => Promise<HealthReport> {
  const checks = healthChecks(deps);
  const uptime = (): number => Math.round((Date.now() - deps.startedAt) / 1000);
  return async () => {
    if (deps.lifecycle()?.draining) {
      return { code: 503, body: { status: 'down', draining: true, uptime_seconds: uptime() } };
    }
    const results = await Promise.all(checks.map((c) => runCheck(c, deps.config.healthTimeoutMs)));
    const status = aggregate(results);
    return {
      code: httpStatusFor(status),
      body: {
        status,
        checks: results,
        release: deps.build.releaseId,
        version: deps.build.version,
        git_sha: deps.build.gitSha,
        image_digest: deps.build.imageDigest,
        uptime_seconds: uptime(),
      },
    };
  };
}

export function createApiServer(deps: ApiDeps): Server {
  const report = detailedHealthReport(deps);
  const draining = (): boolean => deps.lifecycle()?.draining ?? false;

  const routes: Record<
    string,
    (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<void> | void
  > = {
    '/health': (_req, res) => {
      if (draining()) return sendJson(res, 503, { status: 'draining' });
      sendJson(res, 200, { status: 'ok' });
    },
    // Public: the status and its code only (a deploy gate or a smoke check needs no more).
    '/health/detailed': async (_req, res) => {
      const { code, body } = await report();
      sendJson(res, code, { status: body.status });
    },
    '/version': (_req, res) => {
      sendJson(res, 200, {
        version: deps.build.version,
        git_sha: deps.build.gitSha,
        build_date: deps.build.buildDate,
        image_digest: deps.build.imageDigest,
      });
    },
    '/search': async (_req, res, url) => {
      const params = parseSearchParams(url.searchParams);
      if (!params.ok) return sendJson(res, 400, { error: params.error });
      const result = await hybridSearch(params.query, params.k, deps.retrievers);
      sendJson(res, 200, result);
    },
  };

  return createServer(SERVER_TIMEOUTS, (req, res) => {
    const started = performance.now();
    const url = new URL(req.url ?? '/', 'http://localhost');
    res.on('finish', () => {
      deps.log.info('request', {
        method: req.method,
        path: url.pathname,
        status: res.statusCode,
        duration_ms: Math.round((performance.now() - started) * 10) / 10,
      });
    });
    const handler = routes[url.pathname];
    if (deps.metrics) {
      const done = deps.metrics.startRequest(handler ? url.pathname : undefined, req.method);
      res.on('close', () => done({ finished: res.writableFinished, statusCode: res.statusCode }));
    }
    if (!handler) return sendJson(res, 404, { error: `no route for ${url.pathname}` });
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD');
      return sendJson(res, 405, { error: `${req.method} is not allowed on ${url.pathname}` });
    }
    Promise.resolve(handler(req, res, url)).catch((err: unknown) => {
      deps.log.error('request failed', { path: url.pathname, error: err });
      if (!res.headersSent) sendJson(res, 500, { error: 'internal error, see the service logs' });
      else res.destroy();
    });
  });
}
