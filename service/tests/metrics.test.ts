import { describe, expect, it } from 'vitest';
import { mean, ndcgAtK, percentile, recallAtK, reciprocalRankAtK, round4 } from '../src/metrics.js';

const rel = (...ids: string[]) => new Set(ids);

describe('ranking metrics', () => {
  it.each<[string, string[], Set<string>, number, number, number]>([
    // name, ranked, relevant, recall@2, rr@3, ndcg@3
    ['perfect', ['a', 'b', 'c'], rel('a'), 1, 1, 1],
    ['second place', ['x', 'a', 'c'], rel('a'), 1, 0.5, 1 / Math.log2(3)],
    ['missing', ['x', 'y', 'z'], rel('a'), 0, 0, 0],
    [
      'half found in top 2',
      ['a', 'x', 'b'],
      rel('a', 'b'),
      0.5,
      1,
      (1 + 1 / Math.log2(4)) / (1 + 1 / Math.log2(3)),
    ],
    ['no relevant labels', ['a'], rel(), 0, 0, 0],
    ['beyond the cut-off', ['x', 'y', 'z', 'a'], rel('a'), 0, 0, 0],
  ])('%s', (_name, ranked, relevant, recall, rr, ndcg) => {
    expect(recallAtK(ranked, relevant, 2)).toBeCloseTo(recall, 10);
    expect(reciprocalRankAtK(ranked, relevant, 3)).toBeCloseTo(rr, 10);
    expect(ndcgAtK(ranked, relevant, 3)).toBeCloseTo(ndcg, 10);
  });
});

describe('percentile', () => {
  it.each<[number[], number, number]>([
    [[], 95, 0],
    [[5], 95, 5],
    [[1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 50, 5],
    [[10, 9, 8, 7, 6, 5, 4, 3, 2, 1], 95, 10],
    [[1, 2, 3, 4], 0, 1],
    [[1, 2, 3, 4], 100, 4],
  ])('%j p%d = %d', (samples, p, expected) => {
    expect(percentile(samples, p)).toBe(expected);
  });
});

describe('mean and round4', () => {
  it.each<[number, number]>([
    [0.123456, 0.1235],
    [1, 1],
    [2 / 3, 0.6667],
  ])('round4(%d) = %d', (value, expected) => {
    expect(round4(value)).toBe(expected);
  });

  it('mean of nothing is 0', () => {
    expect(mean([])).toBe(0);
    expect(mean([1, 2, 3])).toBe(2);
  });
});
