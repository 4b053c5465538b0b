// What the service's metrics cost: /search throughput of the same image with metrics on (scraped every second)
// and off (METRICS_ENABLED=false), side by side in one run, as a ratio. Not a test: it prints figures.
//   npx tsx scripts/bench/metrics-overhead.ts [--rounds N] [--seconds S] [--connections C]
// Both apis run in one reference stack (docker/compose.yaml + compose.prod.yaml, same limits, same PostgreSQL
// and vector store) on the host's Docker engine, published on loopback only; wrk alternates between them
// (on, off, off, on, ...) so a drift of the shared machine falls on both. The stack is removed at the end.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { freePort, ReferenceStack } from '../../tests/support/reference-stacks.js';

interface Options {
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
    },
  });
  const int = (name: keyof typeof values, min: number, max: number): number => {
    const raw = values[name] ?? '';
    const n = Number(raw);
    if (!/^\d+$/.test(raw) || n < min || n > max) {
      throw new Error(`--${name}: expected an integer from ${min} to ${max}, got "${raw}".`);
    }
    return n;
  };
  return {
    rounds: int('rounds', 1, 10),
    seconds: int('seconds', 2, 60),
    connections: int('connections', 1, 128),
  };
}

/** Requests/sec from wrk's output. */
export function wrkRate(output: string): number {
  const match = /^Requests\/sec:\s+([\d.]+)/m.exec(output);
  if (!match) throw new Error(`wrk printed no Requests/sec line:\n${output.slice(-500)}`);
  return Number(match[1]);
}

function wrk(url: string, o: Options): { rate: number; errors: string } {
  const r = spawnSync('wrk', ['-t2', `-c${o.connections}`, `-d${o.seconds}s`, '--timeout', '5s', url], {
    encoding: 'utf8',
    timeout: (o.seconds + 30) * 1000,
  });
  if (r.status !== 0) throw new Error(`wrk failed: ${r.stderr}${r.stdout}`);
  const errors = /Non-2xx or 3xx responses: \d+|Socket errors: .*/.exec(r.stdout)?.[0] ?? '';
  return { rate: wrkRate(r.stdout), errors };
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

async function main(): Promise<void> {
  const o = options(process.argv.slice(2));
  if (spawnSync('wrk', ['--version']).error) {
    throw new Error('wrk is not installed: apt-get install wrk (Debian), then run this again.');
  }
  const stack = new ReferenceStack('obs-bench');
  const scraper = { stop: false };
  try {
    console.error('bench: building the service image and starting the reference stack');
    await stack.up();
    const [onPort, offPort, metricsPort] = [await freePort(), await freePort(), await freePort()];
    const rendered = JSON.parse(stack.compose(['config', '--format', 'json'])) as {
      services: Record<string, { environment?: Record<string, string>; ports?: unknown[] }>;
    };
    const api = rendered.services.api!;
    const override = path.join(stack.dir, 'bench.override.json');
    fs.writeFileSync(
      override,
      JSON.stringify({
        services: {
          api: { ports: [`127.0.0.1:${onPort}:8080`, `127.0.0.1:${metricsPort}:9464`] },
          'api-plain': {
            ...api,
            environment: { ...api.environment, METRICS_ENABLED: 'false' },
            ports: [`127.0.0.1:${offPort}:8080`],
          },
        },
      }),
    );
    stack.compose(['-f', override, 'up', '--detach', '--no-build', '--wait', 'api', 'api-plain']);
    // Prometheus in production scrapes every 15 s; once a second here, to be on the safe side.
    const scraping = (async () => {
      while (!scraper.stop) {
        await fetch(`http://127.0.0.1:${metricsPort}/metrics`)
          .then((r) => r.text())
          .catch(() => '');
        await new Promise((r) => setTimeout(r, 1000));
      }
    })();
    const searchPath = '/search?q=zero%20downtime%20deploys&k=5';
    const urls = {
      on: `http://127.0.0.1:${onPort}${searchPath}`,
      off: `http://127.0.0.1:${offPort}${searchPath}`,
    };
    console.error(`bench: warming up both apis (${o.seconds}s each)`);
    wrk(urls.on, { ...o, seconds: Math.min(o.seconds, 5) });
    wrk(urls.off, { ...o, seconds: Math.min(o.seconds, 5) });
    const rates: Record<'on' | 'off', number[]> = { on: [], off: [] };
    for (let round = 0; round < o.rounds; round++) {
      const order: ('on' | 'off')[] = round % 2 === 0 ? ['on', 'off'] : ['off', 'on'];
      for (const variant of order) {
        const { rate, errors } = wrk(urls[variant], o);
        rates[variant].push(rate);
        console.log(
          `round ${round + 1} metrics ${variant.padEnd(3)} ${rate.toFixed(1)} req/s${errors ? `  (${errors})` : ''}`,
        );
      }
    }
    scraper.stop = true;
    await scraping;
    const on = median(rates.on);
    const off = median(rates.off);
    console.log(
      `/search, ${o.connections} connections, ${o.rounds} x ${o.seconds}s each: median ${on.toFixed(1)} req/s with metrics, ` +
        `${off.toFixed(1)} req/s without; ratio ${(on / off).toFixed(3)} (overhead ${((1 - on / off) * 100).toFixed(1)}%)`,
    );
    stack.compose(['-f', override, 'rm', '--stop', '--force', 'api-plain']);
  } finally {
    scraper.stop = true;
    stack.down();
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(import.meta.filename)) {
  main().catch((err: unknown) => {
    console.error(`bench: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  });
}
