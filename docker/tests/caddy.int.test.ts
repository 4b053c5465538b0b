// The proxy's timeouts, with the real Caddy image: both Caddyfiles adapt, carry the client and upstream
// timeouts sized against the api's own (service/src/http-util.ts) and the zero-downtime switch
// (lb_try_duration), and a client that sends its headers slowly is cut off after about 10 s.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SERVER_TIMEOUTS } from '../../service/src/http-util.js';

const ROOT = resolve(import.meta.dirname, '..', '..');
const IMAGE = 'caddy:2.6';
const name = `slipway-caddy-it-${randomBytes(4).toString('hex')}`;
const SECOND = 1e9;

interface Adapted {
  apps: {
    http: {
      servers: Record<
        string,
        {
          read_timeout?: number;
          read_header_timeout?: number;
          write_timeout?: number;
          idle_timeout?: number;
          routes: unknown[];
        }
      >;
    };
  };
}
interface ReverseProxy {
  handler: 'reverse_proxy';
  load_balancing: { try_duration: number; try_interval?: number };
  transport: {
    dial_timeout?: number;
    response_header_timeout?: number;
    keep_alive?: { idle_timeout?: number };
  };
}

const docker = (...args: string[]) => execFileSync('docker', args, { encoding: 'utf8', stdio: 'pipe' });

function adapt(file: string): Adapted {
  const out = docker(
    'run',
    '--rm',
    '--network',
    'none',
    '-v',
    `${join(ROOT, file)}:/etc/caddy/Caddyfile:ro`,
    IMAGE,
    'caddy',
    'adapt',
    '--config',
    '/etc/caddy/Caddyfile',
    '--adapter',
    'caddyfile',
    '--validate',
  );
  return JSON.parse(out) as Adapted;
}

function reverseProxy(node: unknown): ReverseProxy | undefined {
  if (Array.isArray(node)) return node.map(reverseProxy).find(Boolean);
  if (node && typeof node === 'object') {
    if ((node as { handler?: string }).handler === 'reverse_proxy') return node as ReverseProxy;
    return Object.values(node).map(reverseProxy).find(Boolean);
  }
  return undefined;
}

describe.each(['docker/caddy/Caddyfile.release', 'docker/caddy/Caddyfile'])('%s', (file) => {
  let server: Adapted['apps']['http']['servers'][string];
  let proxy: ReverseProxy;
  beforeAll(() => {
    const adapted = adapt(file);
    server = Object.values(adapted.apps.http.servers)[0]!;
    proxy = reverseProxy(server.routes)!;
  });

  it('cuts off clients that send headers or bodies slowly, and idle ones', () => {
    expect(server).toMatchObject({
      read_header_timeout: 10 * SECOND,
      read_timeout: 30 * SECOND,
      write_timeout: 60 * SECOND,
      idle_timeout: 60 * SECOND,
    });
  });

  it('sizes the upstream timeouts against the switch and the api', () => {
    const t = proxy.transport;
    expect(t.dial_timeout).toBe(2 * SECOND);
    // A dial to a slot that is going away fails in time to be retried on the other slot, twice.
    expect(2 * t.dial_timeout! + (proxy.load_balancing.try_interval ?? 0)).toBeLessThan(
      proxy.load_balancing.try_duration,
    );
    // An upstream that never answers is given as long as the api gives a request to arrive.
    expect(t.response_header_timeout).toBe(SERVER_TIMEOUTS.requestTimeout * 1e6);
    // Caddy closes idle upstream connections before the api would.
    expect(t.keep_alive?.idle_timeout).toBeLessThan(SERVER_TIMEOUTS.keepAliveTimeout * 1e6);
  });
});

describe('the release proxy under a slow client', () => {
  let port: number;
  beforeAll(async () => {
    docker(
      'run',
      '-d',
      '--name',
      name,
      '-p',
      '127.0.0.1::8080',
      '-v',
      `${join(ROOT, 'docker/caddy/Caddyfile.release')}:/etc/caddy/Caddyfile:ro`,
      IMAGE,
    );
    port = Number(docker('port', name, '8080/tcp').trim().split(':').pop());
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      const ok = await fetch(`http://127.0.0.1:${port}/proxy-health`).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) return;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`Caddy did not answer /proxy-health: ${docker('logs', name)}`);
  }, 60_000);
  afterAll(() => {
    try {
      docker('rm', '-f', name);
    } catch {
      // never started
    }
  });

  it('closes a connection whose headers never end within about 10 s', async () => {
    const socket = connect(port, '127.0.0.1');
    await new Promise((r) => socket.once('connect', r));
    const started = Date.now();
    socket.write('GET /proxy-health HTTP/1.1\r\nHost: shop\r\n');
    let n = 0;
    const drip = setInterval(() => socket.writable && socket.write(`X-Slow-${n++}: a\r\n`), 1000);
    socket.on('error', () => undefined);
    const closedAfter = await new Promise<number>((r) =>
      socket.once('close', () => r((Date.now() - started) / 1000)),
    );
    clearInterval(drip);
    expect(closedAfter).toBeGreaterThanOrEqual(9);
    expect(closedAfter).toBeLessThan(13);
    expect((await fetch(`http://127.0.0.1:${port}/proxy-health`)).status).toBe(200);
  }, 30_000);
});
