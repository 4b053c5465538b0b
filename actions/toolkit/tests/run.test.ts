import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ActionError } from '../src/errors.js';
import { run } from '../src/run.js';

let out: string[];
beforeEach(() => {
  out = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out.push(String(chunk));
    return true;
  });
  const state = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'state-')), 'state');
  fs.writeFileSync(state, '');
  vi.stubEnv('GITHUB_STATE', state);
  process.exitCode = undefined;
});
afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
  process.exitCode = undefined;
});

describe('run()', () => {
  it('turns a thrown error into a failed step with its message and exit code 1', async () => {
    await run(async () => {
      throw new ActionError('Input x: bad. Fix it.');
    });
    expect(process.exitCode).toBe(1);
    expect(out.join('')).toContain('::error::Input x: bad. Fix it.');
  });

  it('calls post (not main) on the second invocation, and a failing post only warns', async () => {
    const calls: string[] = [];
    await run(
      async () => void calls.push('main'),
      async () => void calls.push('post'),
    );
    vi.stubEnv('STATE_slipway-is-post', 'true');
    await run(
      async () => void calls.push('main'),
      async () => {
        calls.push('post');
        throw new Error('cleanup failed');
      },
    );
    expect(calls).toEqual(['main', 'post']);
    expect(process.exitCode).toBeUndefined();
    expect(out.join('')).toContain('::warning::Post step: cleanup failed');
  });
});
