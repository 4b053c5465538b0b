// Hybrid search: PostgreSQL full-text (tsvector, ts_rank) and ChromaDB (cosine distance), fused with RRF.
// The retrievers are injected, so `eval` and the HTTP handler run exactly the same logic, and tests can fake
// them. Each retriever is one awaited call to one store (fullText: PostgreSQL, vector: ChromaDB), so either can
// be timed on its own. When the vector retriever fails the search degrades to full-text only and says so.
import type { ChromaStore } from './chroma.js';
import type { Pool } from './db.js';
import { embed, tokenize } from './embedding.js';
import { reciprocalRankFusion } from './fusion.js';

export interface Retrievers {
  fullText: (query: string, limit: number) => Promise<string[]>;
  vector: (query: string, limit: number) => Promise<string[]>;
  titles: (ids: readonly string[]) => Promise<Map<string, string>>;
}

export interface SearchHit {
  id: string;
  title: string;
  score: number;
  ranks: Record<string, number>;
}

export interface SearchResponse {
  query: string;
  k: number;
  results: SearchHit[];
  degraded: string[];
}

export const MAX_K = 50;
export const MAX_QUERY_LENGTH = 500;
/** Each retriever contributes this many candidates per requested result. */
const CANDIDATES_PER_RESULT = 4;

export type SearchParams = { ok: true; query: string; k: number } | { ok: false; error: string };

export function parseSearchParams(params: URLSearchParams): SearchParams {
  const q = params.get('q');
  if (q === null || q.trim() === '')
    return { ok: false, error: 'q is required: pass the search text as ?q=...' };
  if (q.length > MAX_QUERY_LENGTH)
    return { ok: false, error: `q is longer than ${MAX_QUERY_LENGTH} characters` };
  const rawK = params.get('k');
  if (rawK === null) return { ok: true, query: q.trim(), k: 5 };
  if (!/^\d+$/.test(rawK) || Number(rawK) < 1 || Number(rawK) > MAX_K) {
    return { ok: false, error: `k must be an integer from 1 to ${MAX_K}, got "${rawK.slice(0, 20)}"` };
  }
  return { ok: true, query: q.trim(), k: Number(rawK) };
}

/** An OR-query of the normalised words: safe to hand to to_tsquery because only [a-z0-9] survive tokenize. */
export function toTsQuery(query: string): string | null {
  const words = [...new Set(tokenize(query))];
  return words.length === 0 ? null : words.join(' | ');
}

export async function hybridSearch(
  query: string,
  k: number,
  retrievers: Retrievers,
): Promise<SearchResponse> {
  const limit = k * CANDIDATES_PER_RESULT;
  const degraded: string[] = [];
  const [fullText, vector] = await Promise.all([
    retrievers.fullText(query, limit),
    retrievers.vector(query, limit).catch(() => {
      degraded.push('vector');
      return [] as string[];
    }),
  ]);
  const fused = reciprocalRankFusion(
    [
      { source: 'fulltext', ids: fullText },
      { source: 'vector', ids: vector },
    ],
    k,
  );
  const titles = await retrievers.titles(fused.map((h) => h.id));
  return {
    query,
    k,
    degraded,
    results: fused.map((h) => ({
      id: h.id,
      title: titles.get(h.id) ?? '',
      score: Math.round(h.score * 1e6) / 1e6,
      ranks: h.ranks,
    })),
  };
}

export function liveRetrievers(pool: Pool, chroma: ChromaStore): Retrievers {
  return {
    fullText: async (query, limit) => {
      const tsquery = toTsQuery(query);
      if (tsquery === null) return [];
      const { rows } = await pool.query<{ id: string }>(
        `SELECT id FROM documents, to_tsquery('english', $1) AS q
          WHERE search_vector @@ q
          ORDER BY ts_rank(search_vector, q) DESC, id
          LIMIT $2`,
        [tsquery, limit],
      );
      return rows.map((r) => r.id);
    },
    vector: async (query, limit) => (await chroma.query(embed(query), limit)).map((m) => m.id),
    titles: async (ids) => {
      if (ids.length === 0) return new Map();
      const { rows } = await pool.query<{ id: string; title: string }>(
        'SELECT id, title FROM documents WHERE id = ANY($1)',
        [ids],
      );
      return new Map(rows.map((r) => [r.id, r.title]));
    },
  };
}
