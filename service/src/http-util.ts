import type { ServerOptions, ServerResponse } from 'node:http';

/**
 * Timeouts of the API's HTTP server. A client that sends its request headers slowly (slowloris) gets a 408 and
 * its connection closed after 10 s instead of Node's 60 s, and a whole request must arrive within 30 s. Node
 * checks both only every `connectionsCheckingInterval` (default 30 s, which would let such a client hold a
 * connection for up to 90 s), so it checks every second. Idle keep-alive connections are not affected: they
 * live for keepAliveTimeout, longer than the proxy keeps its idle upstream connections (Caddyfile `keepalive
 * 30s`), so the proxy, not this server, closes them and never sends a request on a connection being closed.
 */
export const SERVER_TIMEOUTS = {
  headersTimeout: 10_000,
  requestTimeout: 30_000,
  connectionsCheckingInterval: 1_000,
  keepAliveTimeout: 65_000,
} as const satisfies ServerOptions;

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const payload = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(payload),
    'cache-control': 'no-store',
  });
  res.end(payload);
}
