// Health aggregation. Each dependency check runs with its own timeout; the overall status is `down` when a
// required check is down, `degraded` when anything else is not ok, and `ok` otherwise. Only `down` maps to
// HTTP 503: a degraded service still answers (search falls back to full-text when ChromaDB is away).

export type Status = 'ok' | 'degraded' | 'down';

export interface CheckResult {
  name: string;
  status: Status;
  required: boolean;
  latency_ms: number;
  detail?: Record<string, unknown>;
  error?: string;
}

export interface Check {
  name: string;
  required: boolean;
  /** Resolves with optional detail (and optionally `degraded`), rejects when the dependency is down. */
  run: (signal: AbortSignal) => Promise<{ status?: Status; detail?: Record<string, unknown> } | void>;
}

export function aggregate(results: readonly CheckResult[]): Status {
  if (results.some((r) => r.required && r.status === 'down')) return 'down';
  if (results.some((r) => r.status !== 'ok')) return 'degraded';
  return 'ok';
}

export function httpStatusFor(status: Status): number {
  return status === 'down' ? 503 : 200;
}

export class TimeoutError extends Error {
  constructor(ms: number) {
    super(`timed out after ${ms} ms`);
    this.name = 'TimeoutError';
  }
}

export async function withTimeout<T>(ms: number, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(new TimeoutError(ms));
    }, ms);
  });
  try {
    return await Promise.race([work(controller.signal), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export async function runCheck(
  check: Check,
  timeoutMs: number,
  now = () => performance.now(),
): Promise<CheckResult> {
  const started = now();
  const base = { name: check.name, required: check.required };
  try {
    const outcome = await withTimeout(timeoutMs, check.run);
    const result: CheckResult = {
      ...base,
      status: outcome?.status ?? 'ok',
      latency_ms: elapsed(started, now),
    };
    if (outcome?.detail) result.detail = outcome.detail;
    return result;
  } catch (err) {
    return {
      ...base,
      status: 'down',
      latency_ms: elapsed(started, now),
      error: err instanceof Error ? err.message : String(err),
    };
  }
}

function elapsed(started: number, now: () => number): number {
  return Math.round((now() - started) * 10) / 10;
}

export interface DiskFacts {
  freeBytes: number;
  totalBytes: number;
}

export function diskStatus(facts: DiskFacts, minFreeBytes: number): Status {
  return facts.freeBytes < minFreeBytes ? 'degraded' : 'ok';
}
