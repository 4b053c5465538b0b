import { describe, expect, it } from 'vitest';
import { reciprocalRankFusion, RRF_K } from '../src/fusion.js';

describe('reciprocalRankFusion', () => {
  it.each<[string, { source: string; ids: string[] }[], number, string[]]>([
    ['empty input', [], 5, []],
    ['single list keeps its order', [{ source: 'a', ids: ['x', 'y', 'z'] }], 5, ['x', 'y', 'z']],
    [
      'agreement wins over a single first place',
      [
        { source: 'a', ids: ['x', 'y'] },
        { source: 'b', ids: ['z', 'y'] },
      ],
      3,
      ['y', 'x', 'z'],
    ],
    [
      'ties broken by id',
      [
        { source: 'a', ids: ['m'] },
        { source: 'b', ids: ['c'] },
      ],
      2,
      ['c', 'm'],
    ],
    ['limit applies', [{ source: 'a', ids: ['a', 'b', 'c'] }], 2, ['a', 'b']],
    ['duplicates within a list count once', [{ source: 'a', ids: ['a', 'a', 'b'] }], 5, ['a', 'b']],
  ])('%s', (_name, lists, limit, expected) => {
    expect(reciprocalRankFusion(lists, limit).map((h) => h.id)).toEqual(expected);
  });

  it('scores are the sum of 1/(k+rank) and ranks are recorded per source', () => {
    const [hit] = reciprocalRankFusion(
      [
        { source: 'fulltext', ids: ['d'] },
        { source: 'vector', ids: ['x', 'd'] },
      ],
      1,
    );
    expect(hit).toEqual({
      id: 'd',
      score: 1 / (RRF_K + 1) + 1 / (RRF_K + 2),
      ranks: { fulltext: 1, vector: 2 },
    });
  });
});
