import { describe, expect, it } from 'vitest';
import { type LabelledQuery, runEval } from '../src/evaluate.js';
import type { Retrievers } from '../src/search.js';

const queries: LabelledQuery[] = [
  { id: 'q1', query: 'blue green', relevant: ['d1'] },
  { id: 'q2', query: 'rollback', relevant: ['d2'] },
];

/** Retrievers whose very first full-text call is slow (a cold pool), as on a fresh process. */
function coldStart(firstCallMs: number): { retrievers: Retrievers; calls: string[] } {
  const calls: string[] = [];
  const answer = (q: string) => (q === 'rollback' ? ['d2', 'd1'] : ['d1', 'd2']);
  const retrievers: Retrievers = {
    fullText: async (q) => {
      calls.push(q);
      if (calls.length === 1) await new Promise((r) => setTimeout(r, firstCallMs));
      return answer(q);
    },
    vector: async (q) => answer(q),
    titles: async (ids) => new Map(ids.map((id) => [id, id])),
  };
  return { retrievers, calls };
}

describe('runEval', () => {
  it('warms up with one unmeasured pass: a cold first query does not set the latency figures', async () => {
    const { retrievers, calls } = coldStart(300);
    const result = await runEval(queries, retrievers);
    // Both passes searched every query (then each retriever alone once more for the per-retriever scores).
    expect(calls.slice(0, 4)).toEqual(['blue green', 'rollback', 'blue green', 'rollback']);
    expect(result.metrics.p95_latency_ms).toBeLessThan(300);
    expect(result.metrics).toMatchObject({ recall_at_5: 1, mrr_at_10: 1, queries: 2 });
  });

  it('fails naming the retriever that is down', async () => {
    const { retrievers } = coldStart(0);
    const down = { ...retrievers, vector: () => Promise.reject(new Error('connection refused')) };
    await expect(runEval(queries, down)).rejects.toThrow('the vector retriever failed');
  });
});
