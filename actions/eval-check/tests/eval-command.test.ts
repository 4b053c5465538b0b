import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LocalRunner } from '../../toolkit/src/index.js';
import { evalCommand, evalEnv, runEval } from '../src/eval-command.js';

let out: string[];
beforeEach(() => {
  out = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out.push(String(chunk));
    return true;
  });
});
afterEach(() => vi.restoreAllMocks());

describe('the eval command', () => {
  it('is a bash line run like a workflow `run:` step, in the workspace', () => {
    expect(evalCommand('npm run eval -- --out r.json', '/ws', ['s3cret'])).toEqual({
      argv: ['bash', '--noprofile', '--norc', '-eo', 'pipefail', '-c', 'npm run eval -- --out r.json'],
      cwd: '/ws',
      secrets: ['s3cret'],
    });
  });

  it('does not hand the action inputs (the token among them) or the runtime token to the eval', () => {
    expect(
      evalEnv({
        PATH: '/bin',
        'INPUT_GITHUB-TOKEN': 't',
        INPUT_RESULTS: 'r',
        ACTIONS_RUNTIME_TOKEN: 'x',
        CI: 'true',
      }),
    ).toEqual({ PATH: '/bin', CI: 'true' });
  });

  it('runs pipelines with the output shown live and the token redacted', async () => {
    const lines: string[] = [];
    await runEval(
      new LocalRunner({ PATH: process.env.PATH }, (l) => lines.push(l)),
      evalCommand('echo "scored with s3cret" | tr a-z A-Z && echo done >&2', process.cwd(), ['S3CRET']),
    );
    expect(lines).toEqual(['SCORED WITH ***', 'done']);
  });

  it('fails with the last stderr line, and pipefail catches a failure inside a pipe', async () => {
    const runner = new LocalRunner({ PATH: process.env.PATH });
    await expect(
      runEval(runner, evalCommand('echo starting; echo "vector store unreachable" >&2; exit 3', '.', [])),
    ).rejects.toThrow(
      `eval-check: the eval command failed (exit 3): vector store unreachable. Run 'echo starting; echo "vector store unreachable" >&2; exit 3' locally to see the whole output (it is also in the debug log).`,
    );
    await expect(runEval(runner, evalCommand('false | cat', '.', []))).rejects.toThrow(
      'eval-check: the eval command failed (exit 1): no output.',
    );
  });

  it('redacts the secrets of the command in its failure message, and cuts a long command', async () => {
    const runner = new LocalRunner({ PATH: process.env.PATH });
    const token = 'ghs_s3cretT0kenValue';
    const failure = runEval(
      runner,
      evalCommand(`curl -sf -H "Authorization: Bearer ${token}" http://127.0.0.1:9/ || exit 7`, '.', [token]),
    );
    await expect(failure).rejects.toThrow(
      `failed (exit 7): no output. Run 'curl -sf -H "Authorization: Bearer ***" http://127.0.0.1:9/ || exit 7' locally`,
    );
    await expect(failure).rejects.not.toThrow(token);
    const long = `exit 4 # ${'x'.repeat(1000)}`;
    const message = String(await runEval(runner, evalCommand(long, '.', [])).catch((e: Error) => e.message));
    expect(message).toContain("...' (1009 characters) locally");
    expect(message.length).toBeLessThan(400);
  });
});
