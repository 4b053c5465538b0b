import { describe, expect, it } from 'vitest';
import { checksum, loadMigrations, planMigrations, type Migration } from '../src/migrate.js';
import { MIGRATIONS_DIR } from '../src/paths.js';

const m = (id: string, sql = `-- ${id}`): Migration => ({ id, sql, checksum: checksum(sql) });

describe('planMigrations', () => {
  const files = [m('001_a'), m('002_b'), m('003_c')];
  it.each<[string, { id: string; checksum: string }[], string[]]>([
    ['fresh database', [], ['001_a', '002_b', '003_c']],
    ['partly applied', [{ id: '001_a', checksum: checksum('-- 001_a') }], ['002_b', '003_c']],
    ['up to date', files.map(({ id, checksum }) => ({ id, checksum })), []],
  ])('%s', (_name, applied, expected) => {
    expect(planMigrations(files, applied).map((x) => x.id)).toEqual(expected);
  });

  it.each<[string, { id: string; checksum: string }[], RegExp]>([
    ['edited after apply', [{ id: '001_a', checksum: 'other' }], /001_a: changed after it was applied/],
    ['file removed', [{ id: '000_gone', checksum: 'x' }], /000_gone: applied to the database but missing/],
  ])('refuses: %s', (_name, applied, error) => {
    expect(() => planMigrations(files, applied)).toThrow(error);
  });
});

describe('loadMigrations', () => {
  it('loads the bundled migrations in order', () => {
    const ids = loadMigrations(MIGRATIONS_DIR).map((x) => x.id);
    expect(ids[0]).toBe('001_documents');
    expect([...ids].sort()).toEqual(ids);
  });
});
