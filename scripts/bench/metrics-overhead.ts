// What the service's metrics cost: /search throughput of the same image with metrics on (scraped every 15 s, as Prometheus does)
// and off (METRICS_ENABLED=false), side by side in one run, as a ratio. Not a test: it prints figures.
//   npx tsx scripts/bench/metrics-overhead.ts [--rounds N] [--seconds S] [--connections C] [--cost-only]
// Both apis run in one reference stack (docker/compose.yaml + compose.prod.yaml, same limits, same PostgreSQL
// and vector store) on the host's Docker engine, as two copies of its api, published on loopback only. Each round loads both at the same
// time (one wrk each), so whatever else the shared machine does falls on both alike; the figure is the median
// of the rounds' ratios. The stack is removed at the end. First, a figure a busy machine cannot blur: the CPU
// time the instrumentation itself takes per /search request, and one /metrics render, measured in-process.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { parseBuildInfo } from '../../service/src/config.js';
import { createServiceMetrics } from '../../service/src/service-metrics.js';
import { freePort, ReferenceStack } from '../../tests/support/reference-stacks.js';

interface Options {
  costOnly: boolean;
  rounds: number;
  seconds: number;
  connections: number;
}

function options(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      rounds: { type: 'string', default: '3' },
      seconds: { type: 'string', default: '10' },
      connections: { type: 'string', default: '16' },
      'cost-only': { type: 'boolean', default: false },
    },
  });
  const int = (name: 'rounds' | 'seconds' | 'connections', min: number, max: number): number => {
    const raw = values[name] ?? '';
    const n = Number(raw);
    if (!/^\d+$/.test(raw) || n < min || n > max) {
      throw new Error(`--${name}: expected an integer from ${min} to ${max}, got "${raw}".`);
    }
    return n;
  };
  return {
    costOnly: values['cost-only'] ?? false,
    rounds: int('rounds', 1, 10),
    seconds: int('seconds', 2, 60),
    connections: int('connections', 1, 128),
  };
}

/** The api's own CPU seconds and /search count, from its /metrics. */
async function apiCounters(port: number): Promise<{ cpuSeconds: number; searches: number }> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const value = (re: RegExp) => Number(re.exec(text)?.[1] ?? NaN);
  return {
    cpuSeconds: value(/^process_cpu_seconds_total ([\d.e+-]+)$/m),
    searches: value(/^slipway_http_requests_total\{route="\/search",method="GET",status="200"\} (\d+)$/m),
  };
}

/**
 * A container's CPU time in nanoseconds, from its cgroup (v1 cgroupfs, v2 cgroupfs or v2 systemd layout), or
 * undefined where none is readable.
 */
function containerCpuNs(id: string): number | undefined {
  const v1 = `/sys/fs/cgroup/cpuacct/docker/${id}/cpuacct.usage`;
  if (fs.existsSync(v1)) return Number(fs.readFileSync(v1, 'utf8'));
  for (const dir of [`/sys/fs/cgroup/docker/${id}`, `/sys/fs/cgroup/system.slice/docker-${id}.scope`]) {
    const stat = path.join(dir, 'cpu.stat');
    if (!fs.existsSync(stat)) continue;
    const usec = /^usage_usec (\d+)$/m.exec(fs.readFileSync(stat, 'utf8'))?.[1];
    if (usec) return Number(usec) * 1000;
  }
  return undefined;
}

/** Requests/sec from wrk's output. */
export function wrkRate(output: string): number {
  const match = /^Requests\/sec:\s+([\d.]+)/m.exec(output);
  if (!match) throw new Error(`wrk printed no Requests/sec line:\n${output.slice(-500)}`);
  return Number(match[1]);
}

function wrk(url: string, o: Options): Promise<{ rate: number; requests: number; errors: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('wrk', ['-t1', `-c${o.connections}`, `-d${o.seconds}s`, '--timeout', '5s', url]);
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), (o.seconds + 30) * 1000);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code !== 0) return reject(new Error(`wrk failed (${code}): ${out.slice(-500)}`));
      try {
        const errors = /Non-2xx or 3xx responses: \d+|Socket errors: .*/.exec(out)?.[0] ?? '';
        resolve({ rate: wrkRate(out), requests: Number(/(\d+) requests in/.exec(out)?.[1] ?? NaN), errors });
      } catch (err) {
        reject(err as Error);
      }
    });
  });
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

/** CPU time of what a /search request adds: one request tracked, three store timings (µs), and one render (ms). */
async function instrumentationCost(): Promise<{ perRequestUs: number; renderMs: number }> {
  const metrics = createServiceMetrics(parseBuildInfo({ RELEASE_ID: 'bench' }));
  const routes = ['/search', '/health', '/version', undefined];
  const request = (i: number) => {
    const done = metrics.startRequest(routes[i % routes.length], 'GET');
    metrics.observeStore('postgres', 'full_text', 0.002, true);
    metrics.observeStore('chroma', 'vector_query', 0.004, true);
    metrics.observeStore('postgres', 'titles', 0.001, true);
    done({ finished: true, statusCode: i % 50 === 0 ? 500 : 200 });
  };
  const n = 200_000;
  for (let i = 0; i < 20_000; i++) request(i);
  let started = process.cpuUsage();
  for (let i = 0; i < n; i++) request(i);
  let used = process.cpuUsage(started);
  const perRequestUs = (used.user + used.system) / n;
  await metrics.registry.metrics();
  started = process.cpuUsage();
  for (let i = 0; i < 200; i++) await metrics.registry.metrics();
  used = process.cpuUsage(started);
  return { perRequestUs, renderMs: (used.user + used.system) / 200 / 1000 };
}

async function main(): Promise<void> {
  const o = options(process.argv.slice(2));
  const cost = await instrumentationCost();
  console.log(
    `instrumentation: ${cost.perRequestUs.toFixed(2)} µs of CPU per /search request (request + 3 store timings); ` +
      `one /metrics render: ${cost.renderMs.toFixed(2)} ms of CPU`,
  );
  if (o.costOnly) return;
  if (spawnSync('wrk', ['--version']).error) {
    throw new Error('wrk is not installed: apt-get install wrk (Debian), then run this again.');
  }
  const stack = new ReferenceStack('obs-bench');
  const scraper: { timer?: NodeJS.Timeout } = {};
  try {
    console.error('bench: building the service image and starting the reference stack');
    await stack.up();
    const [onPort, offPort, metricsPort] = [await freePort(), await freePort(), await freePort()];
    const rendered = JSON.parse(stack.compose(['config', '--format', 'json'])) as {
      services: Record<
        string,
        { environment?: Record<string, string>; ports?: unknown[]; healthcheck?: Record<string, unknown> }
      >;
    };
    // Startup checks get more time than production gives them: a busy shared machine is slow to start node.
    const api = {
      ...rendered.services.api!,
      healthcheck: { ...rendered.services.api!.healthcheck, timeout: '15s', retries: 10 },
    };
    const override = path.join(stack.dir, 'bench.override.json');
    fs.writeFileSync(
      override,
      JSON.stringify({
        services: {
          // Two copies of the api, alike but for METRICS_ENABLED; neither is behind the proxy (whose health
          // checks would load one of them only).
          'bench-on': {
            ...api,
            environment: { ...api.environment, METRICS_ENABLED: 'true' },
            ports: [`127.0.0.1:${onPort}:8080`, `127.0.0.1:${metricsPort}:9464`],
          },
          'bench-off': {
            ...api,
            environment: { ...api.environment, METRICS_ENABLED: 'false' },
            ports: [`127.0.0.1:${offPort}:8080`],
          },
        },
      }),
    );
    stack.compose(['-f', override, 'up', '--detach', '--no-build', '--wait', 'bench-on', 'bench-off']);
    // Scraped every 15 s, as Prometheus in production does.
    const scrape = () =>
      void fetch(`http://127.0.0.1:${metricsPort}/metrics`).then(
        (r) => r.text(),
        () => '',
      );
    scrape();
    scraper.timer = setInterval(scrape, 15_000);
    const searchPath = '/search?q=zero%20downtime%20deploys&k=5';
    const urls = {
      on: `http://127.0.0.1:${onPort}${searchPath}`,
      off: `http://127.0.0.1:${offPort}${searchPath}`,
    };
    console.error(`bench: warming up both apis (${Math.min(o.seconds, 5)}s)`);
    await Promise.all([urls.on, urls.off].map((u) => wrk(u, { ...o, seconds: Math.min(o.seconds, 5) })));
    const before = await apiCounters(metricsPort);
    const ids = {
      on: stack.compose(['-f', override, 'ps', '-q', '--no-trunc', 'bench-on']).trim(),
      off: stack.compose(['-f', override, 'ps', '-q', '--no-trunc', 'bench-off']).trim(),
    };
    const cpuBefore = { on: containerCpuNs(ids.on), off: containerCpuNs(ids.off) };
    const served = { on: 0, off: 0 };
    const rates: Record<'on' | 'off', number[]> = { on: [], off: [] };
    const ratios: number[] = [];
    for (let round = 0; round < o.rounds; round++) {
      const [on, off] = await Promise.all([wrk(urls.on, o), wrk(urls.off, o)]);
      rates.on.push(on.rate);
      rates.off.push(off.rate);
      served.on += on.requests;
      served.off += off.requests;
      ratios.push(on.rate / off.rate);
      const errors = [on.errors && `on: ${on.errors}`, off.errors && `off: ${off.errors}`]
        .filter(Boolean)
        .join(', ');
      console.log(
        `round ${round + 1}: with metrics ${on.rate.toFixed(1)} req/s, without ${off.rate.toFixed(1)} req/s, ` +
          `ratio ${(on.rate / off.rate).toFixed(3)}${errors ? `  (${errors})` : ''}`,
      );
    }
    const after = await apiCounters(metricsPort);
    const cpuAfter = { on: containerCpuNs(ids.on), off: containerCpuNs(ids.off) };
    clearInterval(scraper.timer);
    const cpuPerRequestUs =
      ((after.cpuSeconds - before.cpuSeconds) / (after.searches - before.searches)) * 1e6;
    console.log(
      `api with metrics: ${cpuPerRequestUs.toFixed(0)} µs of CPU per /search request (process_cpu_seconds_total ` +
        `over ${after.searches - before.searches} requests); the instrumentation is ` +
        `${((cost.perRequestUs / cpuPerRequestUs) * 100).toFixed(2)}% of it`,
    );
    if ([cpuBefore.on, cpuBefore.off, cpuAfter.on, cpuAfter.off].every((v) => v !== undefined)) {
      const perRequest = (v: 'on' | 'off') => (cpuAfter[v]! - cpuBefore[v]!) / 1000 / served[v];
      console.log(
        `container CPU per /search request (cgroup): ${perRequest('on').toFixed(0)} µs with metrics, ` +
          `${perRequest('off').toFixed(0)} µs without; ratio ${(perRequest('on') / perRequest('off')).toFixed(3)}`,
      );
    } else {
      console.log('container CPU per request: no readable cgroup CPU accounting on this host; skipped');
    }
    const ratio = median(ratios);
    console.log(
      `/search, ${o.connections} connections each, ${o.rounds} x ${o.seconds}s, both loaded at once: ` +
        `median ${median(rates.on).toFixed(1)} req/s with metrics, ${median(rates.off).toFixed(1)} req/s without; ` +
        `median ratio ${ratio.toFixed(3)} (overhead ${((1 - ratio) * 100).toFixed(1)}%), ` +
        `ratios ${Math.min(...ratios).toFixed(3)}-${Math.max(...ratios).toFixed(3)}`,
    );
    stack.compose(['-f', override, 'rm', '--stop', '--force', 'bench-on', 'bench-off']);
  } finally {
    clearInterval(scraper.timer);
    stack.down();
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(import.meta.filename)) {
  main().catch((err: unknown) => {
    console.error(`bench: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  });
}
