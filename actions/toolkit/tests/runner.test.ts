import { describe, expect, it } from 'vitest';
import { command } from '../src/command.js';
import { CommandError, LocalRunner, check } from '../src/runner.js';

const runner = new LocalRunner();

describe('LocalRunner (real processes)', () => {
  it('captures stdout, stderr and the exit code, feeding stdin', async () => {
    const r = await runner.exec(command(['sh', '-c', 'cat; echo err >&2; exit 3'], { stdin: 'in' }));
    expect(r).toEqual({ exitCode: 3, stdout: 'in', stderr: 'err\n' });
  });

  it('passes env and cwd', async () => {
    const r = await runner.exec(
      command(['sh', '-c', 'printf "%s %s" "$X" "$(pwd)"'], { env: { X: 'y' }, cwd: '/' }),
    );
    expect(r.stdout).toBe('y /');
  });

  it('redacts secrets from captured output', async () => {
    const r = await runner.exec(
      command(['sh', '-c', 'read p; echo "got $p"; echo "bad $p" >&2'], {
        stdin: 's3cret\n',
        secrets: ['s3cret'],
      }),
    );
    expect(r.stdout).toBe('got ***\n');
    expect(r.stderr).toBe('bad ***\n');
  });

  it('check() throws with the last stderr line and no secret', async () => {
    const cmd = command(['sh', '-c', 'echo first >&2; echo "denied for s3cret" >&2; exit 2'], {
      secrets: ['s3cret'],
    });
    const err = await check(runner, cmd).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CommandError);
    expect((err as Error).message).toMatch(/failed \(exit 2\): denied for \*\*\*$/);
    expect((err as Error).message).not.toContain('s3cret');
  });

  it('names a missing program', async () => {
    await expect(runner.exec(command(['no-such-program-xyz']))).rejects.toThrow(
      "'no-such-program-xyz' was not found on PATH",
    );
  });

  it('kills a command past its timeout and says so', async () => {
    const r = await runner.exec(command(['sleep', '5'], { timeoutMs: 100 }));
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr).toContain('killed by SIGTERM (timeout 100 ms)');
  });
});

describe('LocalRunner with echo (live output)', () => {
  it('shows each line as it comes, redacted, and still returns the whole output', async () => {
    const lines: string[] = [];
    const live = new LocalRunner(process.env, (l) => lines.push(l));
    const r = await live.exec(
      command(
        ['sh', '-c', 'echo one; printf "tok"; sleep 0.05; printf "en-x two\\n"; echo err >&2; printf last'],
        {
          secrets: ['token-x'],
        },
      ),
    );
    expect(lines).toEqual(['one', '*** two', 'err', 'last']);
    expect(r.stdout).toBe('one\n*** two\nlast');
    expect(r.stderr).toBe('err\n');
  });
});
