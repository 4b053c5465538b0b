import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Inputs, mapInputSource, recordingSource } from '../src/inputs.js';

const inputs = (values: Record<string, string>) => new Inputs(mapInputSource(values));

describe('Inputs: errors name the input and say what was expected', () => {
  const levels = ['error', 'warning', 'info', 'style', 'none'] as const;
  it.each([
    [
      () => inputs({ 'failure-threshold': 'warn' }).enum('failure-threshold', levels),
      "Input 'failure-threshold': expected one of error|warning|info|style|none, got 'warn'.",
    ],
    [() => inputs({ push: 'maybe' }).boolean('push'), "Input 'push': expected true or false, got 'maybe'."],
    [
      () => inputs({ 'keep-releases': '0' }).integer('keep-releases', { min: 1, max: 50 }),
      "Input 'keep-releases': expected an integer between 1 and 50, got '0'.",
    ],
    [
      () => inputs({ 'keep-releases': '2.5' }).integer('keep-releases', { min: 1 }),
      "Input 'keep-releases': expected an integer >= 1, got '2.5'.",
    ],
    [
      () => inputs({}).string('host', { required: true }),
      "Input 'host': required but empty. Set it in the step's `with:` block.",
    ],
    [
      () => inputs({ images: '["a"]' }).jsonMap('images'),
      "Input 'images': expected a JSON object of strings, got an array.",
    ],
    [
      () => inputs({ images: '{"api": 3}' }).jsonMap('images'),
      "Input 'images': expected a JSON object of strings, but key 'api' holds number.",
    ],
    [
      () =>
        inputs({ 'release-id': 'a;b' }).string('release-id', {
          pattern: /^[a-z0-9-]+$/,
          hint: 'lower-case letters, digits and -',
        }),
      "Input 'release-id': expected lower-case letters, digits and -, got 'a;b'.",
    ],
  ])('%#: %s', (read, message) => {
    expect(read).toThrow(message);
  });

  it('rejects invalid JSON with the parser reason', () => {
    expect(() => inputs({ images: '{api' }).jsonMap('images')).toThrow(
      /^Input 'images': expected a JSON object of strings, got invalid JSON/,
    );
  });
});

describe('Inputs: parsing and defaults', () => {
  it.each([
    ['true', true],
    ['True', true],
    ['yes', true],
    ['false', false],
    ['0', false],
    ['', false],
  ])('boolean %j -> %j', (raw, want) => {
    expect(inputs({ push: raw }).boolean('push')).toBe(want);
  });

  it('applies defaults for empty values', () => {
    const i = inputs({});
    expect(i.enum('cache', ['gha', 'local', 'none'] as const, { default: 'local' })).toBe('local');
    expect(i.integer('n', { default: 5 })).toBe(5);
    expect(i.boolean('b', { default: true })).toBe(true);
    expect(i.list('l', { default: ['x'] })).toEqual(['x']);
    expect(i.string('s', { default: 'd' })).toBe('d');
  });

  it('splits lists on newlines and commas, dropping blanks and comments', () => {
    expect(inputs({ files: ' a\n\n# note\nb, c \n' }).list('files')).toEqual(['a', 'b', 'c']);
  });

  it('parses a JSON map of strings', () => {
    expect(inputs({ images: '{"api":"r/api@sha256:1"}' }).jsonMap('images')).toEqual({
      api: 'r/api@sha256:1',
    });
  });

  it('resolves paths inside the workspace and refuses escapes', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'inputs-'));
    fs.writeFileSync(path.join(dir, 'f.yaml'), 'x');
    const i = inputs({ config: 'f.yaml', escape: '../../etc/passwd', missing: 'nope.yaml', dir: '.' });
    expect(i.path('config', { base: dir, mustExist: true, kind: 'file' })).toBe(path.join(dir, 'f.yaml'));
    expect(() => i.path('escape', { base: dir })).toThrow(
      "Input 'escape': expected a path inside the workspace, got '../../etc/passwd'.",
    );
    expect(() => i.path('missing', { base: dir, mustExist: true })).toThrow(
      "Input 'missing': 'nope.yaml' does not exist.",
    );
    expect(() => i.path('dir', { base: dir, kind: 'file' })).toThrow(
      "Input 'dir': expected a file, got '.' which is not a file.",
    );
  });
});

describe('Inputs: secrets', () => {
  it('never echoes a secret in its error and returns it untrimmed', () => {
    expect(() => inputs({}).secret('password', { required: true })).toThrow(
      "Input 'password': required but empty.",
    );
    expect(inputs({ password: 'hunter2' }).secret('password')).toBe('hunter2');
  });
});

describe('recordingSource', () => {
  it('records every name asked for', () => {
    const rec = recordingSource(mapInputSource({ a: '1' }));
    const i = new Inputs(rec.source);
    i.string('a');
    i.boolean('b');
    expect([...rec.names]).toEqual(['a', 'b']);
  });
});
