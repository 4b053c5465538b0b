import { describe, expect, it } from 'vitest';
import { createLogger, formatLine, redact } from '../src/log.js';

describe('redact', () => {
  it.each<[Record<string, unknown>, Record<string, unknown>]>([
    [
      { password: 'x', user: 'u' },
      { password: '[redacted]', user: 'u' },
    ],
    [{ DATABASE_PASSWORD: 'x' }, { DATABASE_PASSWORD: '[redacted]' }],
    [
      { nested: { apiKey: 'k', token: 't', ok: 1 } },
      { nested: { apiKey: '[redacted]', token: '[redacted]', ok: 1 } },
    ],
    [{ authorization: 'Bearer x' }, { authorization: '[redacted]' }],
    [{ error: new TypeError('bad') }, { error: { name: 'TypeError', message: 'bad' } }],
    [{ list: [1, 2] }, { list: [1, 2] }],
  ])('%j', (input, expected) => {
    expect(redact(input)).toEqual(expected);
  });
});

describe('logger', () => {
  it('writes one JSON object per line and respects the level', () => {
    const lines: string[] = [];
    const log = createLogger('info', { component: 'test' }, (line) => lines.push(line));
    log.debug('hidden');
    log.info('shown', { secret: 'x', n: 1 });
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({
      level: 'info',
      msg: 'shown',
      component: 'test',
      secret: '[redacted]',
      n: 1,
    });
  });

  it('formats a stable line', () => {
    expect(formatLine('warn', 'm', { a: 1 }, new Date(0))).toBe(
      '{"time":"1970-01-01T00:00:00.000Z","level":"warn","msg":"m","a":1}',
    );
  });
});
