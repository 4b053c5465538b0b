#!/usr/bin/env node
// One entrypoint for every command the image runs: `node dist/cli.js <command>`.
import { readFileSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { parseArgs } from 'node:util';
import { createApiServer, detailedHealthReport, type ApiDeps } from './api-server.js';
import { ChromaStore } from './chroma.js';
import {
  ConfigError,
  parseApi,
  parseBuildInfo,
  parseChroma,
  parseCommon,
  parseDatabase,
  parseInternal,
  type Env,
} from './config.js';
import { loadCorpus } from './corpus.js';
import { createPool, type Pool } from './db.js';
import { loadQueries, runEval } from './evaluate.js';
import { embedAll, scrape } from './ingest.js';
import { createInternalServer } from './internal-server.js';
import { Lifecycle } from './lifecycle.js';
import { createLogger, type Logger } from './log.js';
import { migrate } from './migrate.js';
import { CORPUS_FILE, EVAL_QUERIES_FILE, MIGRATIONS_DIR } from './paths.js';
import { alwaysIn, createRotationServer, fileSource, Rotation } from './rotation.js';
import { liveRetrievers } from './search.js';
import { createServiceMetrics } from './service-metrics.js';
import { timedRetrievers } from './timed-retrievers.js';

const USAGE = `Usage: cli.js <command> [options]

Commands:
  serve          run the HTTP API (PORT, default 8080; metrics on INTERNAL_PORT, default 9464; the proxy's
                 rotation check on ROTATION_PORT, default 8082)
  migrate        apply pending SQL migrations
  scrape         ingest the bundled corpus into PostgreSQL (idempotent)
  embed          embed every document into the ChromaDB collection (idempotent)
  eval           score search on the labelled queries; --out FILE (default: stdout)
  healthcheck    exit 0 when --url (default http://127.0.0.1:$PORT/health) answers 2xx

Configuration is read from the environment; see docs/SERVICE.md.`;

const readText = (path: string): string => readFileSync(path, 'utf8');

function database(env: Env, log: Logger, name: string) {
  const { config, warnings } = parseDatabase(env, readText);
  for (const warning of warnings) log.warn(warning);
  return createPool(config, log, `slipway-${name}`);
}

async function serve(env: Env, log: Logger): Promise<void> {
  const config = parseApi(env, tmpdir());
  const internalConfig = parseInternal(env, config.port);
  const build = parseBuildInfo(env);
  const chroma = new ChromaStore(parseChroma(env));
  const pool = database(env, log, 'api');
  const metrics = internalConfig.metricsEnabled ? createServiceMetrics(build) : undefined;
  const retrievers = liveRetrievers(pool, chroma, config.dbReadRetryMs);
  // The server reads the lifecycle's state, and the lifecycle needs the server: tie the knot through a holder.
  const holder: { lifecycle?: Lifecycle } = {};
  const deps: ApiDeps = {
    config,
    build,
    pool,
    chroma,
    retrievers: metrics ? timedRetrievers(retrievers, metrics) : retrievers,
    log,
    startedAt: Date.now(),
    lifecycle: () => holder.lifecycle,
    metrics,
  };
  const server = createApiServer(deps);
  const internal = createInternalServer({ report: detailedHealthReport(deps), metrics, log });
  const rotation = new Rotation(
    config.rotationFile ? fileSource(config.rotationFile) : alwaysIn,
    () => holder.lifecycle?.draining ?? false,
  );
  const rotationServer = createRotationServer(rotation);
  const lifecycle = new Lifecycle({
    server,
    log,
    drainMs: config.drainMs,
    shutdownTimeoutMs: config.shutdownTimeoutMs,
    cleanup: async () => {
      internal.closeAllConnections();
      rotationServer.closeAllConnections();
      await Promise.all([
        pool.end(),
        new Promise<void>((resolve) => internal.close(() => resolve())),
        new Promise<void>((resolve) => rotationServer.close(() => resolve())),
      ]);
    },
  });
  holder.lifecycle = lifecycle;
  lifecycle.installSignalHandlers();
  await listen(internal, internalConfig.host, internalConfig.port);
  // Listening on the rotation port last: the proxy chooses this instance only once the API answers.
  await listen(server, config.host, config.port);
  await listen(rotationServer, config.host, config.rotationPort);
  log.info('api listening', {
    host: config.host,
    port: config.port,
    rotation_port: config.rotationPort,
    rotation_file: config.rotationFile,
    internal_port: internalConfig.port,
    metrics: internalConfig.metricsEnabled,
    chroma: chroma.url,
    collection: chroma.collectionName,
    ...build,
  });
}

function listen(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
}

async function withPool(env: Env, log: Logger, name: string, work: (pool: Pool) => Promise<void>) {
  const pool = database(env, log, name);
  try {
    await work(pool);
  } finally {
    await pool.end();
  }
}

async function healthcheck(env: Env, args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { url: { type: 'string' } } });
  const url = values.url ?? `http://127.0.0.1:${env.PORT?.trim() || '8080'}/health`;
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(3000) });
    return response.ok ? 0 : 1;
  } catch {
    return 1;
  }
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const env = process.env;
  if (command === 'healthcheck') return healthcheck(env, rest);
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    console.log(USAGE);
    return command === undefined ? 2 : 0;
  }
  const common = parseCommon(env);
  const log = createLogger(common.logLevel, { component: command });
  switch (command) {
    case 'serve':
      await serve(env, log);
      return -1;
    case 'migrate':
      await withPool(env, log, command, (pool) => migrate(pool, MIGRATIONS_DIR, log).then(() => undefined));
      return 0;
    case 'scrape':
      await withPool(env, log, command, (pool) =>
        scrape(pool, loadCorpus(CORPUS_FILE), log).then(() => undefined),
      );
      return 0;
    case 'embed': {
      const chroma = new ChromaStore(parseChroma(env));
      await withPool(env, log, command, (pool) => embedAll(pool, chroma, log).then(() => undefined));
      return 0;
    }
    case 'eval': {
      const { values } = parseArgs({ args: rest, options: { out: { type: 'string' } } });
      const chroma = new ChromaStore(parseChroma(env));
      await withPool(env, log, command, async (pool) => {
        const result = await runEval(loadQueries(EVAL_QUERIES_FILE), liveRetrievers(pool, chroma));
        const json = `${JSON.stringify(result, null, 2)}\n`;
        if (values.out) {
          writeFileSync(values.out, json);
          log.info('eval written', { out: values.out, ...result.metrics });
        } else {
          process.stdout.write(json);
        }
      });
      return 0;
    }
    default:
      console.error(`unknown command "${command}".\n\n${USAGE}`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    // Servers (-1) keep running until a signal; one-shot commands exit with their code.
    if (code >= 0) process.exitCode = code;
  },
  (err: unknown) => {
    const log = createLogger('info', { component: process.argv[2] ?? 'cli' });
    if (err instanceof ConfigError) {
      for (const problem of err.problems) log.error(`configuration: ${problem}`);
      process.exitCode = 2;
    } else {
      log.error(err instanceof Error ? err.message : String(err));
      process.exitCode = 1;
    }
  },
);
