import { ChromaConnectionError, ChromaNotFoundError } from 'chromadb';
import { describe, expect, it } from 'vitest';
import {
  ChromaStore,
  clientArgs,
  configurationProblem,
  describeError,
  hasSignal,
  toMatches,
  type ChromaApi,
} from '../src/chroma.js';

describe('clientArgs', () => {
  it.each<[string, ReturnType<typeof clientArgs>]>([
    ['http://chroma:8000', { host: 'chroma', port: 8000, ssl: false }],
    ['http://127.0.0.1:18000', { host: '127.0.0.1', port: 18000, ssl: false }],
    ['https://vectors.example.com', { host: 'vectors.example.com', port: 443, ssl: true }],
    ['http://chroma', { host: 'chroma', port: 80, ssl: false }],
    ['http://[::1]:8000', { host: '[::1]', port: 8000, ssl: false }],
  ])('%s', (url, expected) => {
    expect(clientArgs(url)).toEqual(expected);
  });
});

describe('configurationProblem', () => {
  it.each<[unknown, string | null]>([
    [{ hnsw: { space: 'cosine', ef_search: 100 } }, null],
    [
      { hnsw: { space: 'l2' } },
      'Chroma collection "documents" uses the l2 distance, the service needs cosine.',
    ],
    [{ hnsw: { space: 'ip' } }, 'uses the ip distance'],
    // Chroma's default when a collection was created without a space.
    [{ hnsw: null }, 'uses the l2 distance'],
    [undefined, 'uses the l2 distance'],
  ])('%j', (configuration, expected) => {
    const problem = configurationProblem('documents', configuration);
    if (expected === null) expect(problem).toBeNull();
    else expect(problem).toContain(expected);
  });

  it('says how to fix it', () => {
    expect(configurationProblem('docs', { hnsw: { space: 'l2' } })).toContain(
      'Delete the collection and run `embed` again',
    );
  });
});

describe('toMatches', () => {
  it.each<[Parameters<typeof toMatches>[0], ReturnType<typeof toMatches>]>([
    [
      { ids: [['a', 'b']], distances: [[0, 0.25]] },
      [
        { id: 'a', distance: 0 },
        { id: 'b', distance: 0.25 },
      ],
    ],
    [{ ids: [[]], distances: [[]] }, []],
    [{ ids: [] }, []],
    [{ ids: [['a']], distances: [[null]] }, [{ id: 'a', distance: Number.NaN }]],
  ])('%j', (result, expected) => {
    expect(toMatches(result)).toEqual(expected);
  });
});

describe('hasSignal and describeError', () => {
  it('a zero embedding has no signal', () => {
    expect(hasSignal([0, 0, 0])).toBe(false);
    expect(hasSignal([0, -0.1, 0])).toBe(true);
  });

  it('shortens the client connection error and names the server', () => {
    const url = 'http://chroma:8000';
    expect(describeError(new ChromaConnectionError('Failed to connect to chromadb. Make sure…'), url)).toBe(
      'cannot connect to Chroma at http://chroma:8000',
    );
    expect(describeError(new Error('boom'), url)).toBe('Chroma at http://chroma:8000: boom');
  });
});

/** A ChromaApi fake: one in-memory collection, counting calls, with a scripted configuration and failures. */
function fakeApi(options: { space?: string; hang?: boolean; goneOnce?: boolean } = {}) {
  const calls = { getOrCreate: 0, query: [] as unknown[], upsert: [] as unknown[] };
  let gone = options.goneOnce ?? false;
  const collection = {
    name: 'documents',
    configuration: { hnsw: { space: options.space ?? 'cosine' } },
    count: async () => 3,
    upsert: async (args: unknown) => {
      calls.upsert.push(args);
    },
    query: async (args: unknown) => {
      if (gone) {
        gone = false;
        throw new ChromaNotFoundError('The requested resource could not be found');
      }
      calls.query.push(args);
      return { ids: [['b', 'a']], distances: [[0.1, 0.2]] };
    },
  };
  const api = {
    heartbeat: () => (options.hang ? new Promise<number>(() => undefined) : Promise.resolve(1)),
    getOrCreateCollection: async () => {
      calls.getOrCreate += 1;
      return collection;
    },
  } as unknown as ChromaApi;
  return { api, calls };
}

const config = { url: 'http://chroma:8000', collection: 'documents', timeoutMs: 100 };

describe('ChromaStore', () => {
  it('creates the collection once, with cosine distance, and queries one embedding', async () => {
    const { api, calls } = fakeApi();
    const store = new ChromaStore(config, api);
    expect(await store.query([0.6, 0.8], 2)).toEqual([
      { id: 'b', distance: 0.1 },
      { id: 'a', distance: 0.2 },
    ]);
    await store.query([1, 0], 5);
    expect(calls.getOrCreate).toBe(1);
    expect(calls.query).toEqual([
      { queryEmbeddings: [[0.6, 0.8]], nResults: 2, include: ['distances'] },
      { queryEmbeddings: [[1, 0]], nResults: 5, include: ['distances'] },
    ]);
  });

  it('does not ask Chroma for a query without signal', async () => {
    const { api, calls } = fakeApi();
    expect(await new ChromaStore(config, api).query([0, 0], 5)).toEqual([]);
    expect(calls.getOrCreate).toBe(0);
  });

  it('upserts records as columns and skips an empty batch', async () => {
    const { api, calls } = fakeApi();
    const store = new ChromaStore(config, api);
    await store.upsert([]);
    expect(calls.upsert).toEqual([]);
    await store.upsert([
      { id: 'a', embedding: [1, 0], metadata: { title: 'A' } },
      { id: 'b', embedding: [0, 1], metadata: { title: 'B' } },
    ]);
    expect(calls.upsert).toEqual([
      {
        ids: ['a', 'b'],
        embeddings: [
          [1, 0],
          [0, 1],
        ],
        metadatas: [{ title: 'A' }, { title: 'B' }],
      },
    ]);
  });

  it('looks the collection up again when Chroma no longer knows it (deleted or restored)', async () => {
    const { api, calls } = fakeApi({ goneOnce: true });
    const store = new ChromaStore(config, api);
    expect(await store.query([1, 0], 2)).toHaveLength(2);
    expect(calls.getOrCreate).toBe(2);
  });

  it('refuses a collection with another distance, and asks again next time', async () => {
    const { api, calls } = fakeApi({ space: 'l2' });
    const store = new ChromaStore(config, api);
    await expect(store.count()).rejects.toThrow(
      'Chroma at http://chroma:8000: Chroma collection "documents" uses the l2 distance, the service needs cosine.',
    );
    await expect(store.count()).rejects.toThrow(/uses the l2 distance/);
    expect(calls.getOrCreate).toBe(2);
  });

  it('bounds every call by the timeout', async () => {
    const { api } = fakeApi({ hang: true });
    await expect(new ChromaStore(config, api).heartbeat()).rejects.toThrow(
      'Chroma at http://chroma:8000: timed out after 100 ms',
    );
  });
});
