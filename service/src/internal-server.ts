// The internal listener of `serve` (INTERNAL_PORT, default 9464): GET /metrics (Prometheus text format) and
// GET /health/detailed (the full report: checks, release, build, uptime). The proxy never routes to it; only
// Prometheus and operators on the host's internal networks reach it.
import { createServer, type Server } from 'node:http';
import type { HealthReport } from './api-server.js';
import { SERVER_TIMEOUTS, sendJson } from './http-util.js';
import type { Logger } from './log.js';
import type { ServiceMetrics } from './service-metrics.js';

export interface InternalDeps {
  report: () => Promise<HealthReport>;
  /** Absent when METRICS_ENABLED=false: /metrics then answers 404. */
  metrics?: ServiceMetrics;
  log: Logger;
}

export function createInternalServer(deps: InternalDeps): Server {
  return createServer(SERVER_TIMEOUTS, (req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD');
      return sendJson(res, 405, { error: `${req.method} is not allowed on ${path}` });
    }
    const answer = async (): Promise<void> => {
      if (path === '/health/detailed') {
        const { code, body } = await deps.report();
        return sendJson(res, code, body);
      }
      if (path === '/metrics' && deps.metrics) {
        const text = await deps.metrics.registry.metrics();
        res.writeHead(200, {
          'content-type': deps.metrics.registry.contentType,
          'cache-control': 'no-store',
        });
        res.end(text);
        return;
      }
      sendJson(res, 404, { error: `no route for ${path}` });
    };
    answer().catch((err: unknown) => {
      deps.log.error('internal request failed', { path, error: err });
      if (!res.headersSent) sendJson(res, 500, { error: 'internal error, see the service logs' });
      else res.destroy();
    });
  });
}
