import { describe, expect, it } from 'vitest';
import { computeTags, eventCommitDate, shortSha, utcIso, utcTimestamp } from '../src/tags.js';

const SHA = '0123456789abcdef0123456789abcdef01234567';

describe('utcTimestamp: the commit date converted to UTC', () => {
  it.each([
    ['2024-03-01T12:00:00Z', '20240301120000'],
    ['2024-03-01T12:00:00+00:00', '20240301120000'],
    ['2024-03-01T12:00:00+02:00', '20240301100000'],
    ['2024-03-01T12:00:00-05:30', '20240301173000'],
    ['2024-03-01T01:30:05+02:00', '20240229233005'], // back across a leap day
    ['2023-12-31T23:59:59-01:00', '20240101005959'], // forward across a year
    ['2024-01-01T00:00:00+14:00', '20231231100000'], // the largest offset
    ['2024-01-01T00:00:00-12:00', '20240101120000'],
    ['2024-06-30T23:59:59Z', '20240630235959'], // last second of a day
    ['2024-06-30T23:59:59.999Z', '20240630235959'], // fractions are truncated, never rounded up
    ['2000-01-01T00:00:00Z', '20000101000000'],
  ])('%s -> %s', (date, want) => {
    expect(utcTimestamp(date)).toBe(want);
  });

  it.each([
    '',
    '2024-03-01',
    '2024-03-01 12:00:00 +0200',
    'Fri Mar 1 12:00:00 2024 +0200',
    '2024-03-01T12:00:00',
  ])('refuses %j', (date) => {
    expect(() => utcTimestamp(date)).toThrow(/ISO 8601/);
  });

  it('refuses an impossible date', () => {
    expect(() => utcTimestamp('2024-13-45T99:00:00Z')).toThrow();
  });

  it('gives the created label in RFC 3339 UTC', () => {
    expect(utcIso('2024-03-01T01:30:05+02:00')).toBe('2024-02-29T23:30:05Z');
  });
});

describe('computeTags', () => {
  it.each([
    [[], ['20240301100000-0123456', 'sha-0123456']],
    [['latest'], ['20240301100000-0123456', 'sha-0123456', 'latest']],
    [
      ['sha-0123456', 'latest', 'latest'],
      ['20240301100000-0123456', 'sha-0123456', 'latest'],
    ],
  ])('extra %j -> %j', (extra, all) => {
    const tags = computeTags('2024-03-01T12:00:00+02:00', SHA, extra);
    expect(tags).toEqual({ primary: '20240301100000-0123456', all });
  });

  it('is the same for the same commit, whenever it runs', () => {
    expect(computeTags('2024-03-01T12:00:00+02:00', SHA)).toEqual(computeTags('2024-03-01T10:00:00Z', SHA));
  });

  it.each(['', 'abc1234', SHA.toUpperCase(), `${SHA}0`])('refuses the SHA %j', (sha) => {
    expect(() => shortSha(sha)).toThrow(/full lower-case commit SHA/);
  });

  it('accepts a SHA-256 repository commit id', () => {
    expect(shortSha('a'.repeat(64))).toBe('aaaaaaa');
  });
});

describe('eventCommitDate', () => {
  it.each([
    [{ head_commit: { id: SHA, timestamp: '2024-03-01T12:00:00+02:00' } }, '2024-03-01T12:00:00+02:00'],
    [{ head_commit: { id: 'f'.repeat(40), timestamp: '2024-03-01T12:00:00+02:00' } }, undefined],
    [{ pull_request: {} }, undefined],
    [{ head_commit: null }, undefined],
    [null, undefined],
    ['text', undefined],
  ])('%j -> %j', (payload, want) => {
    expect(eventCommitDate(payload, SHA)).toBe(want);
  });
});
