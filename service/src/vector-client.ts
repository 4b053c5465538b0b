// Client for the vector store's HTTP API (see vector-store-server.ts).
import type { VectorClientConfig } from './config.js';

export interface VectorRecord {
  id: string;
  embedding: number[];
  metadata?: Record<string, unknown>;
}

export interface VectorMatch {
  id: string;
  score: number;
  metadata: Record<string, unknown>;
}

export class VectorStoreClient {
  constructor(private readonly config: VectorClientConfig) {}

  private collectionUrl(action: string): string {
    return `${this.config.url}/api/v1/collections/${encodeURIComponent(this.config.collection)}/${action}`;
  }

  private async request<T>(url: string, init: RequestInit = {}, signal?: AbortSignal): Promise<T> {
    const timeout = AbortSignal.timeout(this.config.timeoutMs);
    const response = await fetch(url, {
      ...init,
      headers: { 'content-type': 'application/json' },
      signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
    });
    const text = await response.text();
    if (!response.ok) {
      throw new Error(
        `vector store answered ${response.status} for ${new URL(url).pathname}: ${text.slice(0, 200)}`,
      );
    }
    return JSON.parse(text) as T;
  }

  async heartbeat(signal?: AbortSignal): Promise<number> {
    const body = await this.request<{ heartbeat_ns: number }>(
      `${this.config.url}/api/v1/heartbeat`,
      {},
      signal,
    );
    return body.heartbeat_ns;
  }

  async upsert(records: readonly VectorRecord[]): Promise<void> {
    await this.request(this.collectionUrl('upsert'), { method: 'POST', body: JSON.stringify({ records }) });
  }

  async query(embedding: readonly number[], k: number): Promise<VectorMatch[]> {
    const body = await this.request<{ matches: VectorMatch[] }>(this.collectionUrl('query'), {
      method: 'POST',
      body: JSON.stringify({ embedding, k }),
    });
    return body.matches;
  }

  async count(): Promise<number> {
    const body = await this.request<{ count: number }>(this.collectionUrl('count'));
    return body.count;
  }
}
