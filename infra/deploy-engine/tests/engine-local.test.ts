// The deploy engine's argument parsing and ledger, run for real (bash + jq) on a temporary app dir. Nothing
// here needs Docker: every case ends before the engine would call it. tests/deploy runs the rest on the VPS.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

const ENGINE = path.resolve(import.meta.dirname, '..', 'bin', 'slipway');
const DIGEST = 'a'.repeat(64);
let appDir: string;

function slipway(...args: string[]) {
  const r = spawnSync(ENGINE, ['--app-dir', appDir, ...args], { encoding: 'utf8', timeout: 30_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, result: resultOf(r.stdout) };
}

/** Calls engine functions in one bash process, the way bin/slipway does after parsing its arguments. */
function engineFunctions(script: string) {
  const r = spawnSync(
    'bash',
    ['-c', `source "$1"; ACTOR=tester RUN_URL=''; check_app_dir "$2"; ${script}`, 'test', ENGINE, appDir],
    { encoding: 'utf8', timeout: 30_000 },
  );
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function resultOf(stdout: string): Record<string, unknown> | undefined {
  const line = stdout
    .split('\n')
    .filter((l) => l.startsWith('SLIPWAY_RESULT '))
    .pop();
  return line ? (JSON.parse(line.slice('SLIPWAY_RESULT '.length)) as Record<string, unknown>) : undefined;
}

function addRelease(id: string): void {
  const dir = path.join(appDir, 'releases', id);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'compose.yaml'), 'services: {}\n');
  fs.writeFileSync(
    path.join(dir, 'images.json'),
    JSON.stringify({ api: `registry.test/a/api@sha256:${DIGEST}` }),
  );
}

const entry = (op: string, release: string, result: string) =>
  JSON.stringify({
    op,
    kind: 'deploy',
    release,
    previous: '',
    result,
    startedAt: `2026-01-01T00:00:0${op}Z`,
  });

beforeEach(() => {
  appDir = fs.mkdtempSync(path.join(os.tmpdir(), 'slipway-engine-'));
});
afterEach(() => fs.rmSync(appDir, { recursive: true, force: true }));

describe('engine arguments', () => {
  it.each([
    [['list', '--keep'], '--keep needs a value. Run slipway --help.'],
    [['rollback', '--to'], '--to needs a value. Run slipway --help.'],
    [['rollback', '--to', '--lock-wait', '5'], '--to needs a value. Run slipway --help.'],
    [['list', '--actor'], '--actor needs a value. Run slipway --help.'],
    [['list', '--keep', '080'], "--keep: expected an integer from 1 to 50, got '080'."],
    [['list', '--lock-wait', '0x10'], "--lock-wait: expected an integer from 0 to 3600, got '0x10'."],
    [['bogus'], "unknown command 'bogus'. Run slipway --help."],
  ])('%j ends with a clear message and the result line', (args, message) => {
    const r = slipway(...args);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`slipway: error: ${message}`);
    expect(r.result).toMatchObject({ ok: false, error: message });
  });

  it('--app-dir without its value ends with a clear message and the result line', () => {
    const r = spawnSync(ENGINE, ['--app-dir'], { encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(resultOf(r.stdout)).toMatchObject({
      ok: false,
      error: '--app-dir needs a value. Run slipway --help.',
    });
  });

  it.each(['08', '09', '0050'])('--keep %s is read as a decimal number, not as bad octal', (keep) => {
    const r = slipway('list', '--json', '--keep', keep, '--lock-wait', '010');
    expect(r.stderr).not.toMatch(/value too great for base/);
    expect(r.status, r.stderr).toBe(0);
  });

  it('cuts an echoed value to a readable length', () => {
    const r = slipway('list', '--actor', `x${'y'.repeat(5000)}`);
    expect(r.status).toBe(1);
    const error = String(r.result?.error);
    expect(error).toContain('...(5001 characters)');
    expect(error.length).toBeLessThan(300);
  });
});

describe('the ledger', () => {
  const ledger = () => path.join(appDir, 'ledger.jsonl');
  // Four good lines, then a line cut short by a full disk or a crash (no newline at the end).
  const damaged = () =>
    fs.writeFileSync(
      ledger(),
      [entry('1', 'v1', 'started'), entry('1', 'v1', 'succeeded'), entry('2', 'v2', 'succeeded')]
        .concat(entry('3', 'v3', 'started'), '{"op":"4","kind":"depl')
        .join('\n'),
    );

  it('list skips a truncated line with a warning naming it and shows the rest', () => {
    damaged();
    const r = slipway('list', '--json');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain('ledger.jsonl: skipped line(s) 5: not a ledger entry');
    const listing = JSON.parse(r.stdout) as { ledger: { release: string; result: string }[] };
    expect(listing.ledger.map((e) => `${e.release} ${e.result}`)).toEqual([
      'v1 succeeded',
      'v2 succeeded',
      'v3 started',
    ]);
    expect(slipway('list').status).toBe(0);
  });

  it('skips lines that are JSON but not entries, and blank lines', () => {
    fs.writeFileSync(
      ledger(),
      ['42', '', '"text"', '{"no":"op"}', entry('1', 'v1', 'succeeded'), ''].join('\n'),
    );
    const r = slipway('list', '--json');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain('skipped line(s) 1, 3, 4:');
    expect((JSON.parse(r.stdout) as { ledger: unknown[] }).ledger).toHaveLength(1);
  });

  it('rollback --to previous still finds the previous release', () => {
    damaged();
    addRelease('v1');
    addRelease('v2');
    const r = engineFunctions('ledger_previous_release v2');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toBe('v1');
  });

  it('recovery marks the unfinished op interrupted on a line of its own, after the cut-short one', () => {
    damaged();
    const r = engineFunctions('ledger_mark_interrupted');
    expect(r.status, r.stderr).toBe(0);
    const lines = fs.readFileSync(ledger(), 'utf8').split('\n');
    expect(lines[4]).toBe('{"op":"4","kind":"depl');
    expect(JSON.parse(lines[5]!)).toMatchObject({ op: '3', release: 'v3', result: 'interrupted' });
    expect(lines[6]).toBe('');
    const listing = JSON.parse(slipway('list', '--json').stdout) as { ledger: { result: string }[] };
    expect(listing.ledger.map((e) => e.result)).toEqual(['succeeded', 'succeeded', 'interrupted']);
  });

  it('an append after an intact last line adds no blank line', () => {
    fs.writeFileSync(ledger(), `${entry('1', 'v1', 'succeeded')}\n`);
    const r = engineFunctions(`ledger_append '${entry('2', 'v2', 'succeeded')}'`);
    expect(r.status, r.stderr).toBe(0);
    expect(fs.readFileSync(ledger(), 'utf8')).toBe(
      `${entry('1', 'v1', 'succeeded')}\n${entry('2', 'v2', 'succeeded')}\n`,
    );
  });
});
