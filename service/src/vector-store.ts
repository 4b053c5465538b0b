// The vector store's state: named collections of (id, embedding, metadata), exact cosine top-k, and
// durable persistence (one JSON file per collection, replaced atomically: write a temp file, fsync, rename).
// It stands in for ChromaDB: a second stateful component with its own volume, heartbeat and snapshots.
import { mkdir, open, readdir, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { cosine } from './embedding.js';
import { RequestError } from './http-util.js';

export interface StoredRecord {
  id: string;
  embedding: number[];
  metadata: Record<string, unknown>;
}

export interface CollectionData {
  dimension: number;
  records: StoredRecord[];
}

export interface Snapshot {
  format: 'slipway-vector-snapshot';
  version: 1;
  created_at: string;
  collections: Record<string, CollectionData>;
}

export const COLLECTION_NAME = /^[a-z0-9][a-z0-9_-]{0,62}$/;
const FILE_SUFFIX = '.collection.json';

export function validateRecords(value: unknown, dimension: number | null): StoredRecord[] {
  if (!Array.isArray(value) || value.length === 0)
    throw new RequestError(400, 'records must be a non-empty array');
  let dim = dimension;
  return value.map((raw: unknown, i) => {
    const rec = raw as Partial<StoredRecord>;
    if (typeof rec.id !== 'string' || rec.id === '' || rec.id.length > 256) {
      throw new RequestError(400, `records[${i}].id must be a string of 1 to 256 characters`);
    }
    if (
      !Array.isArray(rec.embedding) ||
      !rec.embedding.every((x) => typeof x === 'number' && Number.isFinite(x))
    ) {
      throw new RequestError(400, `records[${i}].embedding must be an array of finite numbers`);
    }
    dim ??= rec.embedding.length;
    if (rec.embedding.length !== dim || dim === 0) {
      throw new RequestError(
        400,
        `records[${i}].embedding has ${rec.embedding.length} dimensions, expected ${dim}`,
      );
    }
    const metadata = rec.metadata && typeof rec.metadata === 'object' ? rec.metadata : {};
    return { id: rec.id, embedding: rec.embedding, metadata };
  });
}

export function topK(records: Iterable<StoredRecord>, query: readonly number[], k: number) {
  const scored: { id: string; score: number; metadata: Record<string, unknown> }[] = [];
  for (const rec of records)
    scored.push({ id: rec.id, score: cosine(query, rec.embedding), metadata: rec.metadata });
  return scored
    .sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .slice(0, k)
    .map((m) => ({ ...m, score: Math.round(m.score * 1e6) / 1e6 }));
}

export function validateSnapshot(value: unknown): Snapshot {
  const snap = value as Partial<Snapshot>;
  if (
    snap?.format !== 'slipway-vector-snapshot' ||
    snap.version !== 1 ||
    typeof snap.collections !== 'object'
  ) {
    throw new RequestError(400, 'not a slipway-vector-snapshot version 1 document');
  }
  for (const [name, data] of Object.entries(snap.collections ?? {})) {
    if (!COLLECTION_NAME.test(name))
      throw new RequestError(400, `snapshot collection "${name}" has an invalid name`);
    if (data.records.length > 0) validateRecords(data.records, data.dimension);
  }
  return snap as Snapshot;
}

/** Write-then-rename: readers and a crash mid-write only ever see the old or the new complete file. */
export async function writeFileAtomic(path: string, contents: string): Promise<void> {
  const temp = `${path}.${process.pid}.${Date.now()}.tmp`;
  const handle = await open(temp, 'w', 0o600);
  try {
    await handle.writeFile(contents);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temp, path);
}

export class VectorStore {
  private readonly collections = new Map<string, { dimension: number; records: Map<string, StoredRecord> }>();
  private writes = new Map<string, Promise<void>>();

  constructor(private readonly dir: string) {}

  async load(): Promise<number> {
    await mkdir(this.dir, { recursive: true });
    for (const name of await readdir(this.dir)) {
      if (name.endsWith('.tmp')) {
        await rm(join(this.dir, name), { force: true });
      } else if (name.endsWith(FILE_SUFFIX)) {
        const data = JSON.parse(await readFile(join(this.dir, name), 'utf8')) as CollectionData;
        this.setCollection(name.slice(0, -FILE_SUFFIX.length), data);
      }
    }
    return this.collections.size;
  }

  private setCollection(name: string, data: CollectionData): void {
    this.collections.set(name, {
      dimension: data.dimension,
      records: new Map(data.records.map((r) => [r.id, r])),
    });
  }

  private exportCollection(name: string): CollectionData {
    const c = this.collections.get(name);
    if (!c) return { dimension: 0, records: [] };
    return {
      dimension: c.dimension,
      records: [...c.records.values()].sort((a, b) => (a.id < b.id ? -1 : 1)),
    };
  }

  /** Serialises writes per collection so that a slow older write can never overwrite a newer one. */
  private persist(name: string): Promise<void> {
    const previous = this.writes.get(name) ?? Promise.resolve();
    const next = previous
      .catch(() => undefined)
      .then(() =>
        writeFileAtomic(join(this.dir, `${name}${FILE_SUFFIX}`), JSON.stringify(this.exportCollection(name))),
      );
    this.writes.set(name, next);
    return next;
  }

  async upsert(name: string, raw: unknown): Promise<number> {
    const existing = this.collections.get(name);
    const records = validateRecords(raw, existing?.dimension ?? null);
    const collection = existing ?? { dimension: records[0]!.embedding.length, records: new Map() };
    for (const rec of records) collection.records.set(rec.id, rec);
    this.collections.set(name, collection);
    await this.persist(name);
    return records.length;
  }

  query(name: string, embedding: unknown, k: number) {
    const collection = this.collections.get(name);
    if (!collection) throw new RequestError(404, `collection "${name}" does not exist`);
    if (!Array.isArray(embedding) || embedding.length !== collection.dimension) {
      throw new RequestError(400, `embedding must be an array of ${collection.dimension} numbers`);
    }
    return topK(collection.records.values(), embedding as number[], k);
  }

  count(name: string): number {
    return this.collections.get(name)?.records.size ?? 0;
  }

  snapshot(now = new Date()): Snapshot {
    const collections: Record<string, CollectionData> = {};
    for (const name of [...this.collections.keys()].sort()) collections[name] = this.exportCollection(name);
    return { format: 'slipway-vector-snapshot', version: 1, created_at: now.toISOString(), collections };
  }

  /** Replaces every collection with the snapshot's; collections absent from it are removed. */
  async restore(raw: unknown): Promise<number> {
    const snap = validateSnapshot(raw);
    const names = Object.keys(snap.collections);
    for (const name of [...this.collections.keys()]) {
      if (!names.includes(name)) {
        this.collections.delete(name);
        await this.writes.get(name)?.catch(() => undefined);
        await rm(join(this.dir, `${name}${FILE_SUFFIX}`), { force: true });
      }
    }
    for (const name of names) {
      this.setCollection(name, snap.collections[name]!);
      await this.persist(name);
    }
    return names.length;
  }

  async flush(): Promise<void> {
    await Promise.allSettled([...this.writes.values()]);
  }
}
