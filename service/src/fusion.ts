// Reciprocal rank fusion (Cormack et al., 2009): score(d) = sum over retrievers of 1 / (k + rank(d)).
// It needs no score calibration between ts_rank and cosine similarity, which live on unrelated scales.

export const RRF_K = 60;

export interface RankedList {
  source: string;
  ids: readonly string[];
}

export interface FusedHit {
  id: string;
  score: number;
  ranks: Record<string, number>;
}

export function reciprocalRankFusion(lists: readonly RankedList[], limit: number, k = RRF_K): FusedHit[] {
  const hits = new Map<string, FusedHit>();
  for (const list of lists) {
    const seen = new Set<string>();
    list.ids.forEach((id, index) => {
      if (seen.has(id)) return;
      seen.add(id);
      const rank = index + 1;
      const hit = hits.get(id) ?? { id, score: 0, ranks: {} };
      hit.score += 1 / (k + rank);
      hit.ranks[list.source] = rank;
      hits.set(id, hit);
    });
  }
  // Ties are broken by id so that the same inputs always give the same order.
  return [...hits.values()]
    .sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .slice(0, Math.max(0, limit));
}
