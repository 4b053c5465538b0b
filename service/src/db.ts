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
