import pg from 'pg';
import type { DatabaseConfig } from './config.js';
import type { Logger } from './log.js';

export type Pool = pg.Pool;

export function createPool(config: DatabaseConfig, log: Logger, applicationName: string): pg.Pool {
  const pool = new pg.Pool({
    host: config.host,
    port: config.port,
    database: config.database,
    user: config.user,
    password: config.password,
    max: config.poolMax,
    connectionTimeoutMillis: config.connectTimeoutMs,
    idleTimeoutMillis: 30_000,
    statement_timeout: 10_000,
    application_name: applicationName,
  });
  // An idle client whose server went away emits here; without a listener the process would crash.
  pool.on('error', (err) => log.warn('database connection lost', { error: err }));
  return pool;
}

// PostgreSQL restarting (a crash, an OOM kill, an upgrade) breaks the pool's connections and refuses new ones
// for a few seconds. A read is safe to run again, so search retries it instead of failing every request.
const TRANSIENT_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  // The container is gone from Docker's DNS while it restarts.
  'ENOTFOUND',
  'EAI_AGAIN',
  // admin_shutdown, crash_shutdown, cannot_connect_now (starting up or in recovery), connection exceptions.
  '57P01',
  '57P02',
  '57P03',
  '08000',
  '08001',
  '08003',
  '08006',
]);

/** True for errors that mean the connection broke or the server is not accepting connections yet. */
export function isTransientDbError(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && TRANSIENT_CODES.has(code)) return true;
  return /Connection terminated|timeout exceeded when trying to connect/i.test(err.message);
}

export interface RetryClock {
  now: () => number;
  sleep: (ms: number) => Promise<void>;
}

const realClock: RetryClock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/**
 * Runs a read, and runs it again after a transient failure (100 ms, doubling up to 500 ms) until it succeeds,
 * fails otherwise, or `budgetMs` has passed since the first try; then the last error is thrown. 0: no retry.
 */
export async function readWithRetry<T>(
  read: () => Promise<T>,
  budgetMs: number,
  clock: RetryClock = realClock,
): Promise<T> {
  const deadline = clock.now() + budgetMs;
  for (let pause = 100; ; pause = Math.min(pause * 2, 500)) {
    try {
      return await read();
    } catch (err) {
      if (!isTransientDbError(err) || clock.now() + pause > deadline) throw err;
      await clock.sleep(pause);
    }
  }
}
