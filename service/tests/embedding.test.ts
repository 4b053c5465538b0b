import { describe, expect, it } from 'vitest';
import { EMBEDDING_DIMENSION, embed, features, fnv1a, l2normalize, tokenize } from '../src/embedding.js';

describe('tokenize', () => {
  it.each<[string, string[]]>([
    ['Hello, World!', ['hello', 'world']],
    ['The containers and the images', ['container', 'image']],
    ['policies  retries', ['policy', 'retry']],
    ['Café déjà-vu', ['cafe', 'deja', 'vu']],
    ['a I of', []],
    ['pg_dump -Fc status', ['pg', 'dump', 'fc', 'status']],
    ['k8s HTTP/2 503', ['k8s', 'http', '503']],
  ])('%j', (text, expected) => {
    expect(tokenize(text)).toEqual(expected);
  });
});

describe('features', () => {
  it('counts unigrams and weights bigrams by half', () => {
    expect(Object.fromEntries(features(['a', 'b', 'a', 'b']))).toEqual({ a: 2, b: 2, 'a b': 1, 'b a': 0.5 });
  });
});

describe('fnv1a', () => {
  it.each<[string, number]>([
    ['', 0x811c9dc5],
    ['a', 0xe40c292c],
    ['foobar', 0xbf9cf968],
  ])('%j', (text, expected) => {
    expect(fnv1a(text)).toBe(expected);
  });
});

describe('embed', () => {
  it('is deterministic, of fixed dimension and unit length', () => {
    const a = embed('zero downtime deploys behind caddy');
    expect(a).toEqual(embed('zero downtime deploys behind caddy'));
    expect(a).toHaveLength(EMBEDDING_DIMENSION);
    expect(Math.hypot(...a)).toBeCloseTo(1, 10);
  });

  it('returns the zero vector for text without words', () => {
    expect(embed('the of and').every((x) => x === 0)).toBe(true);
  });

  it('places related texts closer than unrelated ones', () => {
    // Unit vectors: the dot product is the cosine similarity ChromaDB's cosine distance is built on.
    const cosine = (a: number[], b: number[]) => a.reduce((sum, x, i) => sum + x * b[i]!, 0);
    const query = embed('postgres backup with pg_dump');
    const related = embed('Backing up PostgreSQL with pg_dump in custom format');
    const unrelated = embed('Feature flags separate deploying from releasing');
    expect(cosine(query, related)).toBeGreaterThan(cosine(query, unrelated));
  });
});

describe('l2normalize', () => {
  it('normalises to unit length and leaves zero vectors alone', () => {
    expect(l2normalize([3, 4])).toEqual([0.6, 0.8]);
    expect(l2normalize([0, 0])).toEqual([0, 0]);
  });
});
