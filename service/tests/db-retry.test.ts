import { describe, expect, it } from 'vitest';
import { isTransientDbError, readWithRetry, type RetryClock } from '../src/db.js';

const coded = (code: string, message = 'failed') => Object.assign(new Error(message), { code });

describe('isTransientDbError', () => {
  it.each([
    ['connection refused while PostgreSQL restarts', coded('ECONNREFUSED'), true],
    ['the container is gone from Docker DNS', coded('ENOTFOUND'), true],
    ['the database system is starting up (57P03)', coded('57P03'), true],
    ['terminating connection due to administrator command (57P01)', coded('57P01'), true],
    ['the pool lost its connection', new Error('Connection terminated unexpectedly'), true],
    ['connect timeout', new Error('timeout exceeded when trying to connect'), true],
    ['a syntax error (42601) is not retried', coded('42601'), false],
    ['a statement timeout (57014) is not retried', coded('57014'), false],
    ['not an Error', 'ECONNREFUSED', false],
  ])('%s -> %s', (_name, err, transient) => {
    expect(isTransientDbError(err)).toBe(transient);
  });
});

/** A clock that advances only when the retry sleeps. */
function fakeClock(): RetryClock & { slept: number[] } {
  let t = 0;
  const slept: number[] = [];
  return {
    slept,
    now: () => t,
    sleep: async (ms) => {
      slept.push(ms);
      t += ms;
    },
  };
}

describe('readWithRetry', () => {
  it('retries transient failures with a growing pause until the read succeeds', async () => {
    const clock = fakeClock();
    let calls = 0;
    const value = await readWithRetry(
      async () => {
        calls++;
        if (calls < 5) throw coded('ECONNREFUSED');
        return 'rows';
      },
      5000,
      clock,
    );
    expect(value).toBe('rows');
    expect(clock.slept).toEqual([100, 200, 400, 500]);
  });

  it('gives up with the last error once the budget would be exceeded', async () => {
    const clock = fakeClock();
    await expect(
      readWithRetry(() => Promise.reject(coded('57P03', 'starting up')), 1000, clock),
    ).rejects.toThrow('starting up');
    expect(clock.slept.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(1000);
    expect(clock.slept).toEqual([100, 200, 400]);
  });

  it.each([
    ['a permanent error', 5000, coded('42P01', 'relation does not exist')],
    ['any error when the budget is 0', 0, coded('ECONNREFUSED')],
  ])('fails at once on %s', async (_name, budget, err) => {
    const clock = fakeClock();
    await expect(readWithRetry(() => Promise.reject(err), budget, clock)).rejects.toBe(err);
    expect(clock.slept).toEqual([]);
  });
});
