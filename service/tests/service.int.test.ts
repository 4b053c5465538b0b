// The reference service end to end: the compiled CLI on the host, a throwaway PostgreSQL cluster and a real
// ChromaDB server (the sandbox's chromadb/chroma image in a container of its own).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CORPUS_FILE, SERVICE_ROOT } from '../src/paths.js';
import { startChroma, type TestChroma } from './support/chroma.js';
import { startPostgres, type TestPostgres } from './support/postgres.js';
import { freePort, logLines, runCli, startCli, waitForHttp, type Running } from './support/processes.js';

// Response bodies are untyped JSON checked field by field with vitest matchers, which do the type checking.
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- see above
type Json = any;

let pg: TestPostgres;
let chroma: TestChroma;
let workDir: string;
let env: Record<string, string>;
const running: Running[] = [];

function dbEnv(): Record<string, string> {
  return {
    DATABASE_HOST: pg.host,
    DATABASE_PORT: String(pg.port),
    DATABASE_NAME: pg.database,
    DATABASE_USER: pg.user,
    DATABASE_PASSWORD_FILE: pg.passwordFile,
  };
}

const corpusSize = (): number => (JSON.parse(readFileSync(CORPUS_FILE, 'utf8')) as unknown[]).length;

/** A collection as ChromaDB itself reports it (its REST API, not the service's client), or null if absent. */
async function chromaCollection(
  name = 'documents',
): Promise<{ id: string; space: string; count: number } | null> {
  const response = await fetch(`${chroma.collectionsUrl}/${name}`);
  if (response.status === 404) return null;
  const body = (await response.json()) as { id: string; configuration_json: { hnsw?: { space?: string } } };
  const count = (await (await fetch(`${chroma.collectionsUrl}/${body.id}/count`)).json()) as number;
  return { id: body.id, space: body.configuration_json.hnsw?.space ?? 'l2', count };
}

interface Api {
  run: Running;
  /** The public port (what the proxy publishes). */
  base: string;
  /** The internal listener: /metrics and the full /health/detailed. */
  internal: string;
  /** The proxy's rotation check. */
  rotation: string;
}

/** Starts `serve`; waits until READY (a path of the API, or the rotation check by default) answers 2xx. */
async function startApi(extra: Record<string, string> = {}, ready?: string): Promise<Api> {
  const [port, internalPort, rotationPort] = [await freePort(), await freePort(), await freePort()];
  const run = startCli(['serve'], {
    ...env,
    PORT: String(port),
    HOST: '127.0.0.1',
    INTERNAL_PORT: String(internalPort),
    INTERNAL_HOST: '127.0.0.1',
    ROTATION_PORT: String(rotationPort),
    ...extra,
  });
  running.push(run);
  const base = `http://127.0.0.1:${port}`;
  const rotation = `http://127.0.0.1:${rotationPort}/health`;
  await waitForHttp(ready ? `${base}${ready}` : rotation);
  return { run, base, internal: `http://127.0.0.1:${internalPort}`, rotation };
}

async function getJson(url: string): Promise<{ status: number; body: Json }> {
  const response = await fetch(url);
  return { status: response.status, body: (await response.json()) as Json };
}

beforeAll(async () => {
  execFileSync(
    join(SERVICE_ROOT, 'node_modules', '.bin', 'tsc'),
    ['-p', join(SERVICE_ROOT, 'tsconfig.json')],
    {
      stdio: 'pipe',
    },
  );
  pg = await startPostgres();
  chroma = await startChroma();
  workDir = mkdtempSync(join(tmpdir(), 'slipway-service-'));
  env = {
    ...dbEnv(),
    CHROMA_URL: chroma.url,
    DATA_DIR: workDir,
    DRAIN_SECONDS: '0',
  };
});

afterAll(async () => {
  for (const run of running) run.child.kill('SIGKILL');
  pg?.stop();
  chroma?.remove();
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

describe('ingest pipeline', () => {
  it('migrates idempotently, and concurrent migrators do not race', async () => {
    const [a, b] = await Promise.all([runCli(['migrate'], env), runCli(['migrate'], env)]);
    expect([a.code, b.code], a.output + b.output).toEqual([0, 0]);
    const applied = [...logLines(a.output), ...logLines(b.output)].filter(
      (l) => l.msg === 'migration applied',
    );
    expect(applied.map((l) => l.migration)).toEqual(['001_documents']);
    const again = await runCli(['migrate'], env);
    expect(again.code).toBe(0);
    expect(logLines(again.output).find((l) => l.msg === 'migrations up to date')).toMatchObject({
      applied: 0,
    });
  });

  it('scrapes the corpus idempotently', async () => {
    const first = await runCli(['scrape'], env);
    expect(first.code, first.output).toBe(0);
    const total = (
      JSON.parse(readFileSync(join(SERVICE_ROOT, 'corpus', 'documents.json'), 'utf8')) as unknown[]
    ).length;
    expect(logLines(first.output).find((l) => l.msg === 'corpus ingested')).toMatchObject({
      total,
      written: total,
    });
    const second = await runCli(['scrape'], env);
    expect(logLines(second.output).find((l) => l.msg === 'corpus ingested')).toMatchObject({
      written: 0,
      unchanged: total,
    });
  });

  it('embeds every document into a cosine collection in ChromaDB, idempotently', async () => {
    expect(await chromaCollection()).toBeNull();
    for (const round of [1, 2]) {
      const result = await runCli(['embed'], env);
      expect(result.code, result.output).toBe(0);
      expect(
        logLines(result.output).find((l) => l.msg === 'documents embedded'),
        `round ${round}`,
      ).toMatchObject({ embedded: corpusSize(), collection: 'documents', collection_count: corpusSize() });
    }
    expect(await chromaCollection()).toMatchObject({ space: 'cosine', count: corpusSize() });
  });

  it('refuses a collection created with another distance, saying how to fix it', async () => {
    const created = await fetch(chroma.collectionsUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'made-with-l2', configuration: { hnsw: { space: 'l2' } } }),
    });
    expect(created.status, await created.text()).toBe(200);
    const result = await runCli(['embed'], { ...env, CHROMA_COLLECTION: 'made-with-l2' });
    expect(result.code).toBe(1);
    expect(logLines(result.output).at(-1)?.msg).toBe(
      `Chroma at ${chroma.url}: Chroma collection "made-with-l2" uses the l2 distance, the service needs ` +
        'cosine. Delete the collection and run `embed` again to rebuild it.',
    );
    expect(await chromaCollection('made-with-l2')).toMatchObject({ space: 'l2', count: 0 });
  });

  it('says which server it cannot reach, in one line', async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    const result = await runCli(['embed'], { ...env, CHROMA_URL: url });
    expect(result.code).toBe(1);
    expect(logLines(result.output).at(-1)?.msg).toBe(`cannot connect to Chroma at ${url}`);
  });

  it('eval gives identical quality metrics twice and writes them to --out', async () => {
    const outs = [join(workDir, 'eval-1.json'), join(workDir, 'eval-2.json')];
    for (const out of outs) {
      const result = await runCli(['eval', '--out', out], env);
      expect(result.code, result.output).toBe(0);
    }
    const [first, second] = outs.map(
      (out) => JSON.parse(readFileSync(out, 'utf8')) as { metrics: Record<string, number> },
    );
    const quality = (m: Record<string, number>) => ({
      r: m.recall_at_5,
      mrr: m.mrr_at_10,
      ndcg: m.ndcg_at_10,
    });
    expect(quality(first!.metrics)).toEqual(quality(second!.metrics));
    expect(first!.metrics.recall_at_5).toBeGreaterThan(0.6);
    expect(first!.metrics.mrr_at_10).toBeGreaterThan(0.6);
    expect(first!.metrics.p95_latency_ms).toBeGreaterThan(0);
    expect(first!.metrics.queries).toBeGreaterThanOrEqual(30);
  });
});

describe('api', () => {
  let base: string;
  let internal: string;
  beforeAll(async () => {
    ({ base, internal } = await startApi({
      APP_VERSION: '1.2.3',
      GIT_SHA: 'abc1234',
      BUILD_DATE: '2026-01-01T00:00:00Z',
      RELEASE_ID: 'r-42',
    }));
  });

  it('answers liveness, detailed health (status only in public, details internally) and version', async () => {
    expect(await getJson(`${base}/health`)).toEqual({ status: 200, body: { status: 'ok' } });
    expect(await getJson(`${base}/health/detailed`)).toEqual({ status: 200, body: { status: 'ok' } });
    const detailed = await getJson(`${internal}/health/detailed`);
    expect(detailed.status).toBe(200);
    expect(detailed.body).toMatchObject({
      status: 'ok',
      release: 'r-42',
      version: '1.2.3',
      git_sha: 'abc1234',
    });
    expect(detailed.body.checks.map((c: { name: string; status: string }) => [c.name, c.status])).toEqual([
      ['database', 'ok'],
      ['chroma', 'ok'],
      ['disk', 'ok'],
    ]);
    expect(detailed.body.checks[1]).toEqual({
      name: 'chroma',
      status: 'ok',
      required: false,
      latency_ms: expect.any(Number),
      detail: { url: chroma.url, collection: 'documents' },
    });
    expect((await getJson(`${base}/version`)).body).toEqual({
      version: '1.2.3',
      git_sha: 'abc1234',
      build_date: '2026-01-01T00:00:00Z',
      image_digest: null,
    });
  });

  it('searches with both retrievers', async () => {
    const { status, body } = await getJson(
      `${base}/search?q=${encodeURIComponent('postgres backup pg_dump')}&k=3`,
    );
    expect(status).toBe(200);
    expect(body.results).toHaveLength(3);
    expect(body.results[0]).toMatchObject({ id: 'postgres-backups-pg-dump', ranks: { fulltext: 1 } });
    expect(body.results[0].ranks.vector).toBeGreaterThanOrEqual(1);
    expect(body.degraded).toEqual([]);
  });

  it.each<[string, number, string]>([
    ['/search', 400, 'q is required'],
    ['/search?q=x&k=500', 400, 'k must be an integer from 1 to 50'],
    ['/nope', 404, 'no route for /nope'],
  ])('%s -> %d', async (path, status, message) => {
    const result = await getJson(`${base}${path}`);
    expect(result.status).toBe(status);
    expect(result.body.error).toContain(message);
  });

  it('rejects other methods', async () => {
    expect((await fetch(`${base}/search?q=x`, { method: 'POST' })).status).toBe(405);
  });

  it('answers 408 and closes a connection that sends its headers slowly, within about 10 s', async () => {
    const { port } = new URL(base);
    const socket = connect(Number(port), '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    const started = Date.now();
    let received = '';
    socket.on('data', (chunk: Buffer) => (received += chunk.toString()));
    socket.write('GET /health HTTP/1.1\r\nHost: api\r\n');
    // One more header line every second, never the blank line that ends them (slowloris).
    let n = 0;
    const drip = setInterval(() => socket.writable && socket.write(`X-Slow-${n++}: a\r\n`), 1000);
    const closedAfter = await new Promise<number>((resolve) =>
      socket.once('close', () => resolve((Date.now() - started) / 1000)),
    );
    clearInterval(drip);
    expect(received).toMatch(/^HTTP\/1\.1 408 /);
    expect(closedAfter).toBeGreaterThanOrEqual(9);
    expect(closedAfter).toBeLessThan(13);
  });

  it('keeps an idle keep-alive connection (the proxy reuses it) past the header timeout', async () => {
    const { port } = new URL(base);
    const socket = connect(Number(port), '127.0.0.1');
    let received = '';
    socket.on('data', (chunk: Buffer) => (received += chunk.toString()));
    const request = 'GET /health HTTP/1.1\r\nHost: api\r\nConnection: keep-alive\r\n\r\n';
    socket.write(request);
    await new Promise((r) => setTimeout(r, 12_000));
    expect(socket.destroyed).toBe(false);
    socket.write(request);
    await new Promise((r) => setTimeout(r, 500));
    socket.destroy();
    expect(received.match(/HTTP\/1\.1 200 /g)).toHaveLength(2);
  });

  it('exposes Prometheus metrics on the internal listener only', async () => {
    expect((await fetch(`${base}/metrics`)).status).toBe(404);
    const text = await (await fetch(`${internal}/metrics`)).text();
    expect(text).toContain('slipway_build_info{release="r-42",version="1.2.3",git_sha="abc1234"');
    expect(text).toMatch(/^slipway_http_requests_total\{route="\/search",method="GET",status="200"\} [1-9]/m);
    expect(text).toMatch(
      /^slipway_http_requests_total\{route="unmatched",method="GET",status="404"\} [1-9]/m,
    );
    expect(text).toMatch(
      /^slipway_search_store_duration_seconds_count\{store="postgres",operation="full_text"\} [1-9]/m,
    );
    expect(text).toMatch(
      /^slipway_search_store_duration_seconds_count\{store="chroma",operation="vector_query"\} [1-9]/m,
    );
    expect(text).toMatch(/^process_resident_memory_bytes [1-9]/m);
  });
});

describe('ChromaDB', () => {
  const search = async (base: string) =>
    (await getJson(`${base}/search?q=${encodeURIComponent('caddy health checks')}&k=5`)).body;
  let base: string;
  beforeAll(async () => {
    ({ base } = await startApi());
  });

  it('a running api follows a collection deleted and embedded again (a new collection id)', async () => {
    const before = await chromaCollection();
    expect((await search(base)).degraded).toEqual([]);
    expect((await fetch(`${chroma.collectionsUrl}/documents`, { method: 'DELETE' })).status).toBe(200);
    expect((await runCli(['embed'], env)).code).toBe(0);
    const after = await chromaCollection();
    expect(after?.id).not.toBe(before?.id);
    const body = await search(base);
    expect(body.degraded).toEqual([]);
    expect(body.results.some((r: { ranks: Record<string, number> }) => r.ranks.vector)).toBe(true);
  });

  it('stops on SIGTERM with exit 0 and serves the same vectors after a restart', async () => {
    const before = await chromaCollection();
    expect(chroma.stop()).toBe(0);
    expect((await search(base)).degraded).toEqual(['vector']);
    await chroma.start();
    expect(await chromaCollection()).toEqual(before);
    expect((await search(base)).degraded).toEqual([]);
  });
});

describe('health semantics', () => {
  it('is degraded (200) without ChromaDB and search falls back to full-text', async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    const { base, internal } = await startApi({ CHROMA_URL: url });
    expect(await getJson(`${base}/health/detailed`)).toEqual({ status: 200, body: { status: 'degraded' } });
    const detailed = await getJson(`${internal}/health/detailed`);
    expect(detailed.status).toBe(200);
    expect(detailed.body.status).toBe('degraded');
    expect(detailed.body.checks[1]).toMatchObject({
      name: 'chroma',
      status: 'down',
      error: `cannot connect to Chroma at ${url}`,
    });
    const search = await getJson(`${base}/search?q=caddy`);
    expect(search.status).toBe(200);
    expect(search.body.degraded).toEqual(['vector']);
    expect(await (await fetch(`${internal}/metrics`)).text()).toMatch(
      /^slipway_search_store_errors_total\{store="chroma",operation="vector_query"\} 1$/m,
    );
  });

  it('is down (503) without the database, within the check timeout', async () => {
    const { base, internal } = await startApi({
      DATABASE_PORT: String(await freePort()),
      HEALTH_CHECK_TIMEOUT_MS: '500',
    });
    expect(await getJson(`${base}/health/detailed`)).toEqual({ status: 503, body: { status: 'down' } });
    const started = Date.now();
    const detailed = await getJson(`${internal}/health/detailed`);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(detailed.status).toBe(503);
    expect(detailed.body.status).toBe('down');
    expect(detailed.body.checks[0]).toMatchObject({ name: 'database', status: 'down', required: true });
  });

  it('refuses a plain password in production without echoing it', async () => {
    const { DATABASE_PASSWORD_FILE: _unused, ...rest } = env;
    const result = await runCli(['serve'], {
      ...rest,
      NODE_ENV: 'production',
      DATABASE_PASSWORD: 'hunter2-secret',
    });
    expect(result.code).toBe(2);
    expect(result.output).toContain('DATABASE_PASSWORD: a plain password variable is refused');
    expect(result.output).not.toContain('hunter2-secret');
  });
});

describe('graceful shutdown', () => {
  it('is in rotation only while its ROTATION_FILE says so: clients are served either way', async () => {
    const file = join(workDir, 'rotation-state');
    writeFileSync(file, 'out\n');
    const { run, base, rotation } = await startApi({ ROTATION_FILE: file }, '/health');
    expect((await fetch(rotation)).status).toBe(503);
    writeFileSync(file, 'in\n');
    expect((await fetch(rotation)).status).toBe(200);
    writeFileSync(file, 'out\n');
    expect((await fetch(rotation)).status).toBe(503);
    expect((await fetch(`${base}/health`)).status).toBe(200);
    expect((await fetch(`${base}/search?q=caddy`)).status).toBe(200);
    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);
  });

  it('answers 503 on health at once, keeps serving during the drain, then exits 0', async () => {
    // A paused ChromaDB holds the in-flight search (until CHROMA_TIMEOUT_MS) across the SIGTERM.
    const { run, base, rotation } = await startApi({ DRAIN_SECONDS: '1', CHROMA_TIMEOUT_MS: '3000' });
    chroma.pause();
    try {
      const inFlight = fetch(`${base}/search?q=docker`);
      await new Promise((r) => setTimeout(r, 200));
      const signalledAt = Date.now();
      run.child.kill('SIGTERM');
      await new Promise((r) => setTimeout(r, 50));

      expect((await fetch(`${base}/health`)).status).toBe(503);
      expect((await fetch(`${base}/health/detailed`)).status).toBe(503);
      expect((await fetch(rotation)).status).toBe(503);
      // A request that arrives during the drain is still served, and told to reconnect elsewhere next time.
      const duringDrain = await fetch(`${base}/search?q=caddy`);
      expect(duringDrain.status).toBe(200);
      expect(duringDrain.headers.get('connection')).toBe('close');
      const held = await inFlight;
      expect(held.status).toBe(200);
      expect(((await held.json()) as { degraded: string[] }).degraded).toEqual(['vector']);
      expect(await run.exited).toBe(0);
      expect(Date.now() - signalledAt).toBeGreaterThanOrEqual(1000);
      const messages = logLines(run.output()).map((l) => l.msg);
      expect(messages).toEqual(expect.arrayContaining(['shutdown signal received', 'shutdown complete']));
      await expect(fetch(`${base}/health`)).rejects.toThrow();
    } finally {
      chroma.unpause();
    }
  });
});
