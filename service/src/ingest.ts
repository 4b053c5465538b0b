// `scrape` and `embed`: load the bundled corpus into PostgreSQL, then every stored document into the ChromaDB
// collection (upsert by document id). Both are idempotent: re-running changes nothing when the content has not
// changed.
import type { ChromaStore } from './chroma.js';
import { contentHash, type CorpusDocument } from './corpus.js';
import type { Pool } from './db.js';
import { embed } from './embedding.js';
import type { Logger } from './log.js';

export interface ScrapeResult {
  total: number;
  written: number;
  unchanged: number;
}

export async function scrape(
  pool: Pool,
  docs: readonly CorpusDocument[],
  log: Logger,
): Promise<ScrapeResult> {
  let written = 0;
  for (const doc of docs) {
    const result = await pool.query(
      `INSERT INTO documents (id, title, body, tags, content_sha256)
       VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (id) DO UPDATE
         SET title = EXCLUDED.title, body = EXCLUDED.body, tags = EXCLUDED.tags,
             content_sha256 = EXCLUDED.content_sha256, updated_at = now()
         WHERE documents.content_sha256 <> EXCLUDED.content_sha256`,
      [doc.id, doc.title, doc.body, doc.tags, contentHash(doc)],
    );
    written += result.rowCount ?? 0;
  }
  const summary = { total: docs.length, written, unchanged: docs.length - written };
  log.info('corpus ingested', { ...summary });
  return summary;
}

export async function embedAll(
  pool: Pool,
  chroma: ChromaStore,
  log: Logger,
  batchSize = 50,
): Promise<number> {
  const { rows } = await pool.query<{ id: string; title: string; body: string }>(
    'SELECT id, title, body FROM documents ORDER BY id',
  );
  for (let i = 0; i < rows.length; i += batchSize) {
    const batch = rows.slice(i, i + batchSize);
    await chroma.upsert(
      batch.map((row) => ({
        id: row.id,
        embedding: embed(`${row.title}\n${row.body}`),
        metadata: { title: row.title },
      })),
    );
  }
  const count = await chroma.count();
  log.info('documents embedded', {
    embedded: rows.length,
    collection: chroma.collectionName,
    collection_count: count,
  });
  return rows.length;
}
