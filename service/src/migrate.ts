// Ordered SQL migrations: service/migrations/NNN_name.sql, applied once each, in a transaction each, under a
// session advisory lock so that two migrators (two replicas starting at once) never race.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Pool } from './db.js';
import type { Logger } from './log.js';

export interface Migration {
  id: string;
  sql: string;
  checksum: string;
}

export interface AppliedMigration {
  id: string;
  checksum: string;
}

/** Arbitrary but fixed: identifies Slipway's migrator among other advisory lock users. */
export const MIGRATION_LOCK_KEY = 7_411_920_031;

const FILE_NAME = /^(\d{3,})_[a-z0-9_]+\.sql$/;

export function checksum(sql: string): string {
  return createHash('sha256').update(sql).digest('hex');
}

export function loadMigrations(dir: string): Migration[] {
  return readdirSync(dir)
    .filter((name) => name.endsWith('.sql'))
    .map((name) => {
      if (!FILE_NAME.test(name)) {
        throw new Error(
          `migration ${name}: bad file name. Name it NNN_description.sql (lowercase, underscores).`,
        );
      }
      const sql = readFileSync(join(dir, name), 'utf8');
      return { id: name.replace(/\.sql$/, ''), sql, checksum: checksum(sql) };
    })
    .sort((a, b) => (a.id < b.id ? -1 : 1));
}

/** Which migrations to run, refusing when history was edited: an applied file changed or disappeared. */
export function planMigrations(
  available: readonly Migration[],
  applied: readonly AppliedMigration[],
): Migration[] {
  const byId = new Map(available.map((m) => [m.id, m]));
  for (const done of applied) {
    const file = byId.get(done.id);
    if (!file) {
      throw new Error(
        `migration ${done.id}: applied to the database but missing from the code. Restore the file.`,
      );
    }
    if (file.checksum !== done.checksum) {
      throw new Error(
        `migration ${done.id}: changed after it was applied. Revert the edit and add a new migration instead.`,
      );
    }
  }
  const appliedIds = new Set(applied.map((m) => m.id));
  return available.filter((m) => !appliedIds.has(m.id));
}

export async function migrate(pool: Pool, dir: string, log: Logger): Promise<string[]> {
  const available = loadMigrations(dir);
  const client = await pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    try {
      await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
        id text PRIMARY KEY,
        checksum text NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now()
      )`);
      const { rows } = await client.query<AppliedMigration>(
        'SELECT id, checksum FROM schema_migrations ORDER BY id',
      );
      const pending = planMigrations(available, rows);
      for (const migration of pending) {
        await client.query('BEGIN');
        try {
          await client.query(migration.sql);
          await client.query('INSERT INTO schema_migrations (id, checksum) VALUES ($1, $2)', [
            migration.id,
            migration.checksum,
          ]);
          await client.query('COMMIT');
        } catch (err) {
          await client.query('ROLLBACK');
          throw new Error(`migration ${migration.id}: ${(err as Error).message}. Nothing of it was applied.`);
        }
        log.info('migration applied', { migration: migration.id });
      }
      log.info('migrations up to date', { applied: pending.length, total: available.length });
      return pending.map((m) => m.id);
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
    }
  } finally {
    client.release();
  }
}
