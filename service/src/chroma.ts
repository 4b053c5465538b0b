// The service's only door to ChromaDB: the `chromadb` npm client with the service's own embeddings (no
// embedding function, so nothing is ever downloaded). Pure parts (client arguments, the collection's expected
// configuration, result flattening, error wording) are exported for table tests; `ChromaStore` is the thin seam
// the API, `embed` and `eval` share.
//
// Distance: `cosine`. embed() returns L2-normalised vectors, for which cosine and L2 rank identically
// (|a-b|^2 = 2 - 2 cos(a,b)), but cosine keeps that true for any vector (it does not depend on normalisation
// upstream) and its distance, 1 - cosine similarity, is the score the service reasons about. Chroma's default
// for a new collection is L2; the space cannot change after creation, so `collection()` refuses a collection
// created with another one instead of silently ranking differently.
import { ChromaClient, ChromaConnectionError, ChromaNotFoundError, type Collection } from 'chromadb';
import type { ChromaConfig } from './config.js';
import { withTimeout } from './health.js';

export const DISTANCE_SPACE = 'cosine';

export interface VectorRecord {
  id: string;
  embedding: number[];
  metadata: Record<string, string | number | boolean>;
}

export interface VectorMatch {
  id: string;
  /** Cosine distance: 0 is the same direction, 1 orthogonal, 2 opposite. */
  distance: number;
}

export interface ClientArgs {
  host: string;
  port: number;
  ssl: boolean;
}

/** ChromaClient's arguments for a validated CHROMA_URL (scheme://host[:port], see parseChroma). */
export function clientArgs(url: string): ClientArgs {
  const parsed = new URL(url);
  const ssl = parsed.protocol === 'https:';
  return {
    // Kept in brackets for IPv6: the client builds `${scheme}://${host}:${port}` from it.
    host: parsed.hostname,
    port: parsed.port ? Number(parsed.port) : ssl ? 443 : 80,
    ssl,
  };
}

/** What is wrong with an existing collection's configuration, or null when it is what the service creates. */
export function configurationProblem(name: string, configuration: unknown): string | null {
  const space = (configuration as { hnsw?: { space?: unknown } } | undefined)?.hnsw?.space ?? 'l2';
  if (space === DISTANCE_SPACE) return null;
  return (
    `Chroma collection "${name}" uses the ${String(space)} distance, the service needs ${DISTANCE_SPACE}. ` +
    `Delete the collection and run \`embed\` again to rebuild it.`
  );
}

/** Chroma answers one list per query embedding; the service sends exactly one. */
export function toMatches(result: {
  ids: string[][];
  distances?: (number | null)[][] | null;
}): VectorMatch[] {
  const ids = result.ids[0] ?? [];
  const distances = result.distances?.[0] ?? [];
  return ids.map((id, i) => ({ id, distance: distances[i] ?? Number.NaN }));
}

/** A query embedding of zeros carries no signal (the text had no indexable words); Chroma would rank at random. */
export function hasSignal(embedding: readonly number[]): boolean {
  return embedding.some((x) => x !== 0);
}

/** One short line: the client's connection error is a paragraph about browsers and CORS. */
export function describeError(err: unknown, url: string): string {
  if (err instanceof ChromaConnectionError) return `cannot connect to Chroma at ${url}`;
  const message = err instanceof Error ? err.message : String(err);
  return `Chroma at ${url}: ${message}`;
}

/** The part of ChromaClient the store uses; tests pass a fake with the same shape. */
export interface ChromaApi {
  heartbeat(): Promise<number>;
  getOrCreateCollection(args: {
    name: string;
    embeddingFunction: null;
    configuration: { hnsw: { space: typeof DISTANCE_SPACE } };
  }): Promise<Pick<Collection, 'name' | 'configuration' | 'count' | 'upsert' | 'query'>>;
}

type CollectionHandle = Awaited<ReturnType<ChromaApi['getOrCreateCollection']>>;

export class ChromaStore {
  private handle: Promise<CollectionHandle> | null = null;

  constructor(
    private readonly config: ChromaConfig,
    private readonly api: ChromaApi = new ChromaClient(clientArgs(config.url)),
  ) {}

  get url(): string {
    return this.config.url;
  }

  get collectionName(): string {
    return this.config.collection;
  }

  heartbeat(): Promise<number> {
    return this.bounded(() => this.api.heartbeat());
  }

  async upsert(records: readonly VectorRecord[]): Promise<void> {
    if (records.length === 0) return;
    await this.withCollection((c) =>
      c.upsert({
        ids: records.map((r) => r.id),
        embeddings: records.map((r) => r.embedding),
        metadatas: records.map((r) => r.metadata),
      }),
    );
  }

  async query(embedding: readonly number[], k: number): Promise<VectorMatch[]> {
    if (!hasSignal(embedding)) return [];
    const result = await this.withCollection((c) =>
      c.query({ queryEmbeddings: [[...embedding]], nResults: k, include: ['distances'] }),
    );
    return toMatches(result);
  }

  count(): Promise<number> {
    return this.withCollection((c) => c.count());
  }

  /** The collection, created with the service's distance on first use and cached; refused if it has another. */
  private collection(): Promise<CollectionHandle> {
    if (this.handle) return this.handle;
    const handle = this.api
      .getOrCreateCollection({
        name: this.config.collection,
        embeddingFunction: null,
        configuration: { hnsw: { space: DISTANCE_SPACE } },
      })
      .then((c) => {
        const problem = configurationProblem(c.name, c.configuration);
        if (problem) throw new Error(problem);
        return c;
      });
    // A failed lookup is not cached: the next call asks Chroma again.
    handle.catch(() => {
      if (this.handle === handle) this.handle = null;
    });
    this.handle = handle;
    return handle;
  }

  /**
   * Runs one operation on the collection within the timeout. A collection deleted or restored behind the
   * service's back has a new id, so a NotFound answer drops the cached handle and retries once.
   */
  private withCollection<T>(work: (c: CollectionHandle) => Promise<T>): Promise<T> {
    return this.bounded(async () => {
      try {
        return await work(await this.collection());
      } catch (err) {
        if (!(err instanceof ChromaNotFoundError)) throw err;
        this.handle = null;
        return work(await this.collection());
      }
    });
  }

  /** The client takes no per-request signal, so the wait is bounded here; errors get one short line. */
  private async bounded<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await withTimeout(this.config.timeoutMs, work);
    } catch (err) {
      throw new Error(describeError(err, this.config.url), { cause: err });
    }
  }
}
