import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Inputs, mapInputSource, recordingSource } from '../src/inputs.js';
import { RULES } from '../src/rules.js';
import { readWorkspaceFile } from '../src/workspace-path.js';

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

  it('cuts an echoed value to a readable length and hides control characters', () => {
    expect(() => inputs({ n: `1${'0'.repeat(500)}x` }).integer('n')).toThrow(
      `Input 'n': expected an integer, got '1${'0'.repeat(79)}...' (502 characters).`,
    );
    expect(() => inputs({ b: 'yes\n::error::x' }).boolean('b')).toThrow(
      "Input 'b': expected true or false, got 'yes?::error::x'.",
    );
  });

  it('checks a string against a domain rule, with the hint of the rule', () => {
    expect(inputs({ r: 'v1' }).string('r', { rule: RULES.releaseId })).toBe('v1');
    expect(() => inputs({ r: 'v1;x' }).string('r', { rule: RULES.releaseId })).toThrow(
      `Input 'r': expected ${RULES.releaseId.hint}, got 'v1;x'.`,
    );
  });
});

describe('Inputs: paths', () => {
  let ws: string;
  let outside: string;
  const at = (values: Record<string, string>) => {
    process.env.GITHUB_WORKSPACE = ws;
    return inputs(values);
  };
  const saved = process.env.GITHUB_WORKSPACE;
  beforeEach(() => {
    ws = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'inputs-ws-')));
    outside = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'inputs-out-')));
    fs.writeFileSync(path.join(outside, 'secret.txt'), 'root:x:0:0');
    fs.mkdirSync(path.join(ws, 'docker'));
    fs.writeFileSync(path.join(ws, 'docker', 'compose.yaml'), 'services: {}');
    fs.symlinkSync('compose.yaml', path.join(ws, 'docker', 'link.yaml'));
    fs.symlinkSync(path.join(outside, 'secret.txt'), path.join(ws, 'passwd'));
    fs.symlinkSync('passwd', path.join(ws, 'chain'));
    fs.symlinkSync(outside, path.join(ws, 'out-dir'));
    fs.symlinkSync(path.join(outside, 'not-yet.sarif'), path.join(ws, 'dangling.sarif'));
  });
  afterEach(() => {
    if (saved === undefined) delete process.env.GITHUB_WORKSPACE;
    else process.env.GITHUB_WORKSPACE = saved;
    for (const d of [ws, outside]) fs.rmSync(d, { recursive: true, force: true });
  });

  it('resolves a file inside the workspace, through an inner symlink too', () => {
    const i = at({ a: 'docker/compose.yaml', b: 'docker/link.yaml' });
    expect(i.file('a')).toMatchObject({
      path: path.join(ws, 'docker/compose.yaml'),
      name: 'docker/compose.yaml',
    });
    expect(i.file('b')?.name).toBe('docker/link.yaml');
    expect(i.file('c', { default: 'docker/compose.yaml' })?.given).toBe('docker/compose.yaml');
    expect(i.file('d')).toBeUndefined();
  });

  it.each([
    ['../../etc/passwd', "expected a path inside the workspace, got '../../etc/passwd'."],
    ['/etc/passwd', "expected a path inside the workspace, got '/etc/passwd'."],
    ['passwd', "'passwd' leads to '<out>/secret.txt' through a symlink, outside the workspace."],
    ['chain', "'chain' leads to '<out>/secret.txt' through a symlink, outside the workspace."],
    ['out-dir/secret.txt', "'out-dir/secret.txt' leads to '<out>/secret.txt' through a symlink"],
    ['nope.yaml', "'nope.yaml' does not exist. Check the path, relative to the repository root."],
    ['docker', "'docker' is a directory; expected a file."],
  ])('refuses the file input %j', (value, message) => {
    expect(() => at({ f: value }).file('f')).toThrow(`Input 'f': ${message.replace('<out>', outside)}`);
  });

  it('a file written later (mustExist: false) is only checked for where it leads', () => {
    expect(at({ f: 'results.json' }).file('f', { mustExist: false })?.path).toBe(
      path.join(ws, 'results.json'),
    );
    expect(() => at({ f: 'out-dir/results.json' }).file('f', { mustExist: false })).toThrow(
      'through a symlink, outside the workspace',
    );
  });

  it('checks every entry of a file list', () => {
    expect(
      at({ f: 'docker/compose.yaml' })
        .files('f')
        .map((f) => f.name),
    ).toEqual(['docker/compose.yaml']);
    expect(() => at({ f: 'docker/compose.yaml\npasswd' }).files('f')).toThrow("Input 'f': 'passwd' leads to");
  });

  it('an output file may be new, but not a folder and not a (dangling) link out', () => {
    const i = at({ a: 'reports/new.sarif', b: 'docker', c: 'dangling.sarif' });
    expect(i.outputFile('a')?.path).toBe(path.join(ws, 'reports/new.sarif'));
    expect(() => i.outputFile('b')).toThrow(
      "Input 'b': 'docker' is a directory; expected the path of a file to write.",
    );
    expect(() => i.outputFile('c')).toThrow(
      `Input 'c': 'dangling.sarif' leads to '${outside}/not-yet.sarif'`,
    );
  });

  it('a folder input may be new, not a file, not a link out', () => {
    const i = at({ a: '.cache/buildx', b: 'docker/compose.yaml', c: 'out-dir' });
    expect(i.directory('a')?.name).toBe('.cache/buildx');
    expect(() => i.directory('b')).toThrow("Input 'b': 'docker/compose.yaml' exists and is not a directory.");
    expect(() => i.directory('c')).toThrow("Input 'c': 'out-dir' leads to");
  });

  it('readWorkspaceFile checks again when it reads (a link made after the inputs were read)', () => {
    const p = at({ f: 'results.json' }).file('f', { mustExist: false })!;
    expect(() => readWorkspaceFile(p, 'Write it first.')).toThrow(
      "Input 'f': 'results.json' does not exist. Write it first.",
    );
    fs.symlinkSync(path.join(outside, 'secret.txt'), path.join(ws, 'results.json'));
    expect(() => readWorkspaceFile(p)).toThrow('through a symlink, outside the workspace');
    fs.rmSync(path.join(ws, 'results.json'));
    fs.writeFileSync(path.join(ws, 'results.json'), '{}');
    expect(readWorkspaceFile(p).toString()).toBe('{}');
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
