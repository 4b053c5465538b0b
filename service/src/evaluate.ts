// `eval`: run the labelled query set through the same hybrid search the API serves and score it.
// Quality metrics are deterministic (same code and data give the same numbers, rounded to 4 decimals);
// latency is measured wall-clock time and naturally varies between runs and machines.
import { readFileSync } from 'node:fs';
import { mean, ndcgAtK, percentile, recallAtK, reciprocalRankAtK, round4 } from './metrics.js';
import { hybridSearch, type Retrievers } from './search.js';

export interface LabelledQuery {
  id: string;
  query: string;
  relevant: string[];
}

export interface QueryRun {
  query: LabelledQuery;
  ranked: string[];
  latencyMs: number;
}

export interface QualityMetrics {
  recall_at_5: number;
  mrr_at_10: number;
  ndcg_at_10: number;
}

export function loadQueries(file: string): LabelledQuery[] {
  const data = JSON.parse(readFileSync(file, 'utf8')) as { queries?: LabelledQuery[] };
  const queries = data.queries ?? [];
  for (const q of queries) {
    if (
      typeof q.id !== 'string' ||
      typeof q.query !== 'string' ||
      !Array.isArray(q.relevant) ||
      q.relevant.length === 0
    ) {
      throw new Error(
        `${file}: query ${JSON.stringify(q.id)} needs an id, a query and at least one relevant id.`,
      );
    }
  }
  return queries;
}

export function quality(
  runs: readonly { query: LabelledQuery; ranked: readonly string[] }[],
): QualityMetrics {
  const per = runs.map(({ query, ranked }) => {
    const relevant = new Set(query.relevant);
    return {
      recall: recallAtK(ranked, relevant, 5),
      rr: reciprocalRankAtK(ranked, relevant, 10),
      ndcg: ndcgAtK(ranked, relevant, 10),
    };
  });
  return {
    recall_at_5: round4(mean(per.map((p) => p.recall))),
    mrr_at_10: round4(mean(per.map((p) => p.rr))),
    ndcg_at_10: round4(mean(per.map((p) => p.ndcg))),
  };
}

export function report(runs: readonly QueryRun[], byRetriever: Record<string, QualityMetrics>) {
  const latencies = runs.map((r) => r.latencyMs);
  return {
    metrics: {
      ...quality(runs),
      p50_latency_ms: round4(percentile(latencies, 50)),
      p95_latency_ms: round4(percentile(latencies, 95)),
      queries: runs.length,
    },
    retrievers: byRetriever,
    missed_at_5: runs
      .filter((r) => recallAtK(r.ranked, new Set(r.query.relevant), 5) < 1)
      .map((r) => r.query.id),
  };
}

export async function runEval(queries: readonly LabelledQuery[], retrievers: Retrievers) {
  // One unmeasured pass first: the latency gate is about search, not about opening the database pool, the
  // vector store's first HTTP connection and compiling the code paths, which the first queries would otherwise
  // pay (on a busy 2-core runner that alone moved p95 from ~15 ms to over 100 ms and failed the gate).
  for (const query of queries) await hybridSearch(query.query, 10, retrievers);
  const runs: QueryRun[] = [];
  for (const query of queries) {
    const started = performance.now();
    const response = await hybridSearch(query.query, 10, retrievers);
    const latencyMs = performance.now() - started;
    if (response.degraded.length > 0) {
      throw new Error(
        `eval: the ${response.degraded.join(', ')} retriever failed. Start it and run eval again.`,
      );
    }
    runs.push({ query, ranked: response.results.map((r) => r.id), latencyMs });
  }
  const byRetriever: Record<string, QualityMetrics> = {};
  for (const [name, retrieve] of [
    ['fulltext', retrievers.fullText],
    ['vector', retrievers.vector],
  ] as const) {
    const single = [];
    for (const query of queries) single.push({ query, ranked: await retrieve(query.query, 10) });
    byRetriever[name] = quality(single);
  }
  return report(runs, byRetriever);
}
