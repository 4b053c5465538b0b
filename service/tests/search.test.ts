import { describe, expect, it } from 'vitest';
import { hybridSearch, parseSearchParams, toTsQuery, type Retrievers } from '../src/search.js';

describe('parseSearchParams', () => {
  it.each<[string, ReturnType<typeof parseSearchParams>]>([
    ['q=docker', { ok: true, query: 'docker', k: 5 }],
    ['q=%20docker%20&k=10', { ok: true, query: 'docker', k: 10 }],
    ['q=x&k=50', { ok: true, query: 'x', k: 50 }],
    ['', { ok: false, error: 'q is required: pass the search text as ?q=...' }],
    ['q=%20%20', { ok: false, error: 'q is required: pass the search text as ?q=...' }],
    ['q=x&k=0', { ok: false, error: 'k must be an integer from 1 to 50, got "0"' }],
    ['q=x&k=51', { ok: false, error: 'k must be an integer from 1 to 50, got "51"' }],
    ['q=x&k=2.5', { ok: false, error: 'k must be an integer from 1 to 50, got "2.5"' }],
    ['q=x&k=abc', { ok: false, error: 'k must be an integer from 1 to 50, got "abc"' }],
    [`q=${'a'.repeat(501)}`, { ok: false, error: 'q is longer than 500 characters' }],
  ])('%s', (query, expected) => {
    expect(parseSearchParams(new URLSearchParams(query))).toEqual(expected);
  });
});

describe('toTsQuery', () => {
  it.each<[string, string | null]>([
    ['docker healthcheck', 'docker | healthcheck'],
    ["'; DROP TABLE documents; --", 'drop | table | document'],
    ['a & b | !c', null],
    ['the', null],
    ['backup backups', 'backup'],
  ])('%j', (query, expected) => {
    expect(toTsQuery(query)).toBe(expected);
  });
});

describe('hybridSearch', () => {
  const titles = async (ids: readonly string[]) => new Map(ids.map((id) => [id, `Title ${id}`]));

  it('fuses both retrievers and returns titles and ranks', async () => {
    const retrievers: Retrievers = {
      fullText: async () => ['a', 'b'],
      vector: async () => ['b', 'c'],
      titles,
    };
    const response = await hybridSearch('q', 2, retrievers);
    expect(response.degraded).toEqual([]);
    expect(response.results.map((r) => [r.id, r.title, r.ranks])).toEqual([
      ['b', 'Title b', { fulltext: 2, vector: 1 }],
      ['a', 'Title a', { fulltext: 1 }],
    ]);
  });

  it('asks each retriever for several candidates per result', async () => {
    const limits: number[] = [];
    const record = async (_q: string, limit: number) => (limits.push(limit), []);
    await hybridSearch('q', 5, { fullText: record, vector: record, titles });
    expect(limits).toEqual([20, 20]);
  });

  it('degrades to full-text when the vector retriever fails', async () => {
    const response = await hybridSearch('q', 5, {
      fullText: async () => ['a'],
      vector: () => Promise.reject(new Error('down')),
      titles,
    });
    expect(response.degraded).toEqual(['vector']);
    expect(response.results.map((r) => r.id)).toEqual(['a']);
  });

  it('fails when full-text search fails: the database is required', async () => {
    await expect(
      hybridSearch('q', 5, {
        fullText: () => Promise.reject(new Error('db')),
        vector: async () => [],
        titles,
      }),
    ).rejects.toThrow('db');
  });
});
