import { describe, expect, it } from 'vitest';
import type { PrometheusClient, Sample } from '../prometheus-client.js';
import { countServerErrors, exactIncrease, serverErrors, SERVER_ERROR_SELECTOR } from '../server-errors.js';

describe('exactIncrease', () => {
  it.each<[string, number, number[], number]>([
    ['no samples', 5, [], 0],
    ['steady', 5, [5, 5, 5], 0],
    ['from a baseline', 5, [6, 8, 8], 3],
    ['a series born in the window counts from 0', 0, [2, 3], 3],
    ['a reset (process restarted) counts the new value', 10, [12, 1, 4], 6],
    ['two resets', 3, [0, 2, 0, 1], 3],
  ])('%s', (_name, baseline, values, expected) => {
    expect(exactIncrease(baseline, values)).toBe(expected);
  });
});

const series = (labels: Record<string, string>, values: number[]): Sample => ({
  metric: { __name__: 'slipway_http_requests_total', method: 'GET', ...labels },
  values: values.map((v, i) => [1000 + i, String(v)]),
});
const atStart = (labels: Record<string, string>, value: number): Sample => ({
  metric: { method: 'GET', ...labels },
  value: [999, String(value)],
});

describe('countServerErrors', () => {
  it('splits 5xx from aborted requests, subtracts what was there before, and counts new series from 0', () => {
    const result = countServerErrors(
      [
        series({ route: '/search', status: '500', instance: 'api-blue:9464' }, [3, 5]),
        series({ route: '/search', status: '500', instance: 'api-green:9464' }, [1, 2]),
        series({ route: '/search', status: 'aborted', instance: 'api-blue:9464' }, [4, 4]),
        series({ route: '/health/detailed', status: '503', instance: 'api-blue:9464' }, [7, 7]),
      ],
      [
        atStart({ route: '/search', status: '500', instance: 'api-blue:9464' }, 3),
        atStart({ route: '/search', status: 'aborted', instance: 'api-blue:9464' }, 1),
        atStart({ route: '/health/detailed', status: '503', instance: 'api-blue:9464' }, 7),
      ],
    );
    expect(result).toEqual({
      status5xx: 4,
      connectionErrors: 3,
      byStatus: { '500 /search': 4, 'aborted /search': 3 },
    });
  });

  it('is all zeros for an empty window', () => {
    expect(countServerErrors([], [])).toEqual({ status5xx: 0, connectionErrors: 0, byStatus: {} });
  });
});

describe('serverErrors', () => {
  function fakePrometheus(answers: Record<string, Sample[]>, calls: [string, number | undefined][]) {
    return {
      query: async (expr: string, time?: number) => {
        calls.push([expr, time]);
        return answers[expr.startsWith('last_over_time') ? 'start' : 'window'] ?? [];
      },
    } as unknown as PrometheusClient;
  }

  it('waits one scrape past the window, then reads the raw samples and the values at its start', async () => {
    const calls: [string, number | undefined][] = [];
    const slept: number[] = [];
    const result = await serverErrors(
      fakePrometheus({ window: [series({ route: '/search', status: '502' }, [1])] }, calls),
      { start: 1000, end: 1010 },
      { marginSeconds: 15, now: () => 1020, sleep: async (ms) => void slept.push(ms) },
    );
    expect(slept).toEqual([5000]);
    expect(calls).toEqual([
      [`${SERVER_ERROR_SELECTOR}[25s]`, 1025],
      [`last_over_time(${SERVER_ERROR_SELECTOR}[3600s])`, 1000],
    ]);
    expect(result.status5xx).toBe(1);
  });

  it('refuses a window that ends before it starts', async () => {
    await expect(serverErrors(fakePrometheus({}, []), { start: 10, end: 5 })).rejects.toThrow(
      'serverErrors: the window ends (5) before it starts (10).',
    );
  });
});
