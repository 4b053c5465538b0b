// HTTP API of the vector store (a stand-in for ChromaDB, run with `cli.js vector-store`):
//   GET  /api/v1/heartbeat                       liveness, {"heartbeat_ns": n}
//   POST /api/v1/collections/:name/upsert        {"records": [{id, embedding, metadata?}]}
//   POST /api/v1/collections/:name/query         {"embedding": [...], "k": 5} -> {"matches": [{id, score, metadata}]}
//   GET  /api/v1/collections/:name/count         {"count": n}
//   GET  /api/v1/snapshot                        every collection as one JSON document (for backups)
//   POST /api/v1/restore                         replace every collection with a snapshot's
import { createServer, type Server } from 'node:http';
import type { VectorStoreServerConfig } from './config.js';
import { readJsonBody, RequestError, sendJson } from './http-util.js';
import type { Lifecycle } from './lifecycle.js';
import type { Logger } from './log.js';
import { COLLECTION_NAME, type VectorStore } from './vector-store.js';

const COLLECTION_ROUTE = /^\/api\/v1\/collections\/([^/]+)\/(upsert|query|count)$/;

export function createVectorStoreServer(
  store: VectorStore,
  config: VectorStoreServerConfig,
  log: Logger,
  lifecycle: () => Lifecycle | undefined,
): Server {
  return createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const method = req.method ?? 'GET';
    const handle = async (): Promise<void> => {
      if (url.pathname === '/api/v1/heartbeat' && method === 'GET') {
        if (lifecycle()?.draining) return sendJson(res, 503, { status: 'draining' });
        return sendJson(res, 200, { heartbeat_ns: Number(process.hrtime.bigint()) });
      }
      if (url.pathname === '/api/v1/snapshot' && method === 'GET')
        return sendJson(res, 200, store.snapshot());
      if (url.pathname === '/api/v1/restore' && method === 'POST') {
        const collections = await store.restore(await readJsonBody(req, config.maxBodyBytes));
        log.info('snapshot restored', { collections });
        return sendJson(res, 200, { restored: collections });
      }
      const match = COLLECTION_ROUTE.exec(url.pathname);
      if (!match) throw new RequestError(404, `no route for ${method} ${url.pathname}`);
      const name = decodeURIComponent(match[1]!);
      if (!COLLECTION_NAME.test(name))
        throw new RequestError(400, `collection name "${name.slice(0, 64)}" is invalid`);
      const action = match[2];
      if (action === 'count' && method === 'GET') return sendJson(res, 200, { count: store.count(name) });
      if (method !== 'POST') throw new RequestError(405, `${method} is not allowed on ${url.pathname}`);
      const body = (await readJsonBody(req, config.maxBodyBytes)) as Record<string, unknown>;
      if (action === 'upsert') {
        const upserted = await store.upsert(name, body?.records);
        return sendJson(res, 200, { upserted, count: store.count(name) });
      }
      const k = body?.k ?? 10;
      if (typeof k !== 'number' || !Number.isInteger(k) || k < 1 || k > 1000) {
        throw new RequestError(400, 'k must be an integer from 1 to 1000');
      }
      return sendJson(res, 200, { matches: store.query(name, body?.embedding, k) });
    };
    handle().catch((err: unknown) => {
      if (err instanceof RequestError) return sendJson(res, err.status, { error: err.message });
      log.error('request failed', { path: url.pathname, error: err });
      if (!res.headersSent) sendJson(res, 500, { error: 'internal error, see the vector store logs' });
    });
  });
}
