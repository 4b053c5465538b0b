import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  topK,
  validateRecords,
  validateSnapshot,
  VectorStore,
  writeFileAtomic,
} from '../src/vector-store.js';

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'slipway-vs-'));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('validateRecords', () => {
  it.each<[unknown, number | null, string]>([
    [[], null, 'non-empty array'],
    ['x', null, 'non-empty array'],
    [[{ id: '', embedding: [1] }], null, 'records[0].id'],
    [[{ id: 'a', embedding: ['1'] }], null, 'finite numbers'],
    [[{ id: 'a', embedding: [1, 2] }], 3, 'has 2 dimensions, expected 3'],
    [
      [
        { id: 'a', embedding: [1, 2] },
        { id: 'b', embedding: [1] },
      ],
      null,
      'records[1].embedding has 1 dimensions',
    ],
    [[{ id: 'a', embedding: [] }], null, 'has 0 dimensions'],
  ])('rejects %j (dimension %j)', (records, dimension, message) => {
    expect(() => validateRecords(records, dimension)).toThrow(message);
  });
});

describe('topK', () => {
  it('orders by cosine similarity, then id', () => {
    const records = [
      { id: 'b', embedding: [1, 0], metadata: {} },
      { id: 'a', embedding: [1, 0], metadata: {} },
      { id: 'c', embedding: [0, 1], metadata: {} },
    ];
    expect(topK(records, [1, 0], 2).map((m) => [m.id, m.score])).toEqual([
      ['a', 1],
      ['b', 1],
    ]);
  });
});

describe('VectorStore', () => {
  it('upserts, queries, counts and survives a restart', async () => {
    const dir = tempDir();
    const store = new VectorStore(dir);
    await store.load();
    await store.upsert('docs', [
      { id: 'x', embedding: [1, 0], metadata: { title: 'X' } },
      { id: 'y', embedding: [0, 1] },
    ]);
    await store.upsert('docs', [{ id: 'x', embedding: [0.6, 0.8] }]);
    expect(store.count('docs')).toBe(2);
    expect(store.query('docs', [0, 1], 1)[0]?.id).toBe('y');

    const reloaded = new VectorStore(dir);
    expect(await reloaded.load()).toBe(1);
    expect(reloaded.count('docs')).toBe(2);
    expect(reloaded.query('docs', [0.6, 0.8], 1)[0]).toEqual({ id: 'x', score: 1, metadata: {} });
  });

  it('rejects queries against a missing collection or with the wrong dimension', async () => {
    const store = new VectorStore(tempDir());
    await store.load();
    expect(() => store.query('none', [1], 1)).toThrow('does not exist');
    await store.upsert('docs', [{ id: 'a', embedding: [1, 0] }]);
    expect(() => store.query('docs', [1], 1)).toThrow('array of 2 numbers');
    await expect(store.upsert('docs', [{ id: 'b', embedding: [1] }])).rejects.toThrow('expected 2');
  });

  it('snapshots and restores, removing collections absent from the snapshot', async () => {
    const source = new VectorStore(tempDir());
    await source.load();
    await source.upsert('docs', [{ id: 'a', embedding: [1, 0] }]);
    const snapshot = source.snapshot(new Date(0));
    expect(snapshot).toMatchObject({
      format: 'slipway-vector-snapshot',
      version: 1,
      created_at: '1970-01-01T00:00:00.000Z',
    });

    const dir = tempDir();
    const target = new VectorStore(dir);
    await target.load();
    await target.upsert('other', [{ id: 'z', embedding: [1] }]);
    expect(await target.restore(JSON.parse(JSON.stringify(snapshot)))).toBe(1);
    expect(target.count('docs')).toBe(1);
    expect(target.count('other')).toBe(0);
    expect(readdirSync(dir)).toEqual(['docs.collection.json']);
    expect(target.snapshot(new Date(0))).toEqual(snapshot);
  });

  it('refuses a document that is not a snapshot', () => {
    expect(() => validateSnapshot({ collections: {} })).toThrow('not a slipway-vector-snapshot');
  });

  it('removes temp files left by a crash on load', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'docs.collection.json.1.2.tmp'), '{');
    await new VectorStore(dir).load();
    expect(readdirSync(dir)).toEqual([]);
  });

  it('writeFileAtomic leaves only the final file', async () => {
    const dir = tempDir();
    await writeFileAtomic(join(dir, 'f.json'), '{}');
    expect(readdirSync(dir)).toEqual(['f.json']);
  });
});
