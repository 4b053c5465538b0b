// Times every call search makes to its backing stores, whatever implements them: full-text and titles run on
// PostgreSQL, the vector query on ChromaDB. Wraps the Retrievers seam, so search.ts stays unaware.
import type { Retrievers } from './search.js';
import type { ServiceMetrics, Store } from './service-metrics.js';

const STORES: Record<keyof Retrievers, { store: Store; operation: string }> = {
  fullText: { store: 'postgres', operation: 'full_text' },
  titles: { store: 'postgres', operation: 'titles' },
  vector: { store: 'chroma', operation: 'vector_query' },
};

export function timedRetrievers(
  retrievers: Retrievers,
  metrics: Pick<ServiceMetrics, 'observeStore'>,
  now: () => number = () => performance.now() / 1000,
): Retrievers {
  const timed =
    <A extends unknown[], R>(key: keyof Retrievers, call: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      const { store, operation } = STORES[key];
      const started = now();
      try {
        const result = await call(...args);
        metrics.observeStore(store, operation, now() - started, true);
        return result;
      } catch (err) {
        metrics.observeStore(store, operation, now() - started, false);
        throw err;
      }
    };
  return {
    fullText: timed('fullText', retrievers.fullText),
    vector: timed('vector', retrievers.vector),
    titles: timed('titles', retrievers.titles),
  };
}
