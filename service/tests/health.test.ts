import { describe, expect, it } from 'vitest';
import {
  aggregate,
  diskStatus,
  httpStatusFor,
  runCheck,
  withTimeout,
  type CheckResult,
  type Status,
} from '../src/health.js';

const result = (name: string, status: Status, required: boolean): CheckResult => ({
  name,
  status,
  required,
  latency_ms: 1,
});

describe('aggregate', () => {
  it.each<[string, CheckResult[], Status, number]>([
    ['all ok', [result('database', 'ok', true), result('chroma', 'ok', false)], 'ok', 200],
    ['optional down', [result('database', 'ok', true), result('chroma', 'down', false)], 'degraded', 200],
    ['degraded disk', [result('database', 'ok', true), result('disk', 'degraded', false)], 'degraded', 200],
    ['required down', [result('database', 'down', true), result('chroma', 'ok', false)], 'down', 503],
    ['required degraded', [result('database', 'degraded', true)], 'degraded', 200],
    ['no checks', [], 'ok', 200],
  ])('%s', (_name, results, status, http) => {
    expect(aggregate(results)).toBe(status);
    expect(httpStatusFor(aggregate(results))).toBe(http);
  });
});

describe('runCheck', () => {
  it('reports ok with latency and detail', async () => {
    const r = await runCheck({ name: 'x', required: true, run: async () => ({ detail: { a: 1 } }) }, 100);
    expect(r).toMatchObject({ name: 'x', status: 'ok', required: true, detail: { a: 1 } });
    expect(r.latency_ms).toBeGreaterThanOrEqual(0);
  });

  it('passes a degraded status through', async () => {
    const r = await runCheck(
      { name: 'disk', required: false, run: async () => ({ status: 'degraded' }) },
      100,
    );
    expect(r.status).toBe('degraded');
  });

  it('reports down with the error message when the check throws', async () => {
    const r = await runCheck(
      { name: 'db', required: true, run: () => Promise.reject(new Error('ECONNREFUSED')) },
      100,
    );
    expect(r).toMatchObject({ status: 'down', error: 'ECONNREFUSED' });
  });

  it('reports down when the check exceeds its timeout, and aborts it', async () => {
    let aborted = false;
    const r = await runCheck(
      {
        name: 'slow',
        required: true,
        run: (signal) =>
          new Promise((resolve) => {
            signal.addEventListener('abort', () => (aborted = true));
            setTimeout(resolve, 1000);
          }),
      },
      30,
    );
    expect(r).toMatchObject({ status: 'down', error: 'timed out after 30 ms' });
    expect(r.latency_ms).toBeLessThan(500);
    expect(aborted).toBe(true);
  });

  it('withTimeout resolves fast work', async () => {
    await expect(withTimeout(100, async () => 42)).resolves.toBe(42);
  });
});

describe('diskStatus', () => {
  it.each<[number, number, Status]>([
    [1000, 500, 'ok'],
    [500, 500, 'ok'],
    [499, 500, 'degraded'],
    [0, 0, 'ok'],
  ])('free %d, minimum %d -> %s', (free, min, expected) => {
    expect(diskStatus({ freeBytes: free, totalBytes: 2000 }, min)).toBe(expected);
  });
});
