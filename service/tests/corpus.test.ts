import { describe, expect, it } from 'vitest';
import { contentHash, loadCorpus, parseCorpus } from '../src/corpus.js';
import { loadQueries } from '../src/evaluate.js';
import { CORPUS_FILE, EVAL_QUERIES_FILE } from '../src/paths.js';

describe('bundled corpus and queries', () => {
  const docs = loadCorpus(CORPUS_FILE);
  const queries = loadQueries(EVAL_QUERIES_FILE);

  it('has 60 to 100 documents and 30 to 40 queries', () => {
    expect(docs.length).toBeGreaterThanOrEqual(60);
    expect(docs.length).toBeLessThanOrEqual(100);
    expect(queries.length).toBeGreaterThanOrEqual(30);
    expect(queries.length).toBeLessThanOrEqual(40);
  });

  it('labels only documents that exist, with unique query ids', () => {
    const ids = new Set(docs.map((d) => d.id));
    expect(queries.flatMap((q) => q.relevant).filter((id) => !ids.has(id))).toEqual([]);
    expect(new Set(queries.map((q) => q.id)).size).toBe(queries.length);
  });
});

describe('parseCorpus', () => {
  it.each<[string, string]>([
    ['{}', 'expected a JSON array'],
    ['[{"id":"Bad Id","title":"t","body":"b"}]', 'kebab-case'],
    ['[{"id":"a","title":"t","body":"b"},{"id":"a","title":"t","body":"b"}]', 'duplicate id "a"'],
    ['[{"id":"a","title":" ","body":"b"}]', 'title is empty'],
    ['[{"id":"a","title":"t"}]', 'body is empty'],
  ])('rejects %s', (json, message) => {
    expect(() => parseCorpus(json, 'x.json')).toThrow(message);
  });

  it('trims and defaults tags; hashes content', () => {
    const [doc] = parseCorpus('[{"id":"a","title":" t ","body":"b"}]', 'x.json');
    expect(doc).toEqual({ id: 'a', title: 't', body: 'b', tags: [] });
    expect(contentHash(doc!)).toMatch(/^[0-9a-f]{64}$/);
    expect(contentHash({ ...doc!, body: 'c' })).not.toBe(contentHash(doc!));
  });
});
