import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { command, describe as describeCmd, redact, shellQuote, toShellLine } from '../src/command.js';

describe('shellQuote', () => {
  const words = [
    '',
    'plain',
    'with space',
    "it's",
    '$(touch /tmp/pwned)',
    '`id`',
    'a;b&&c||d',
    '*',
    'new\nline',
    '"double"',
    "'; rm -rf / #",
    'tab\there',
    '--flag=value',
    'ünïcode',
  ];
  it.each(words)('round-trips %j through a real POSIX shell unchanged', (word) => {
    const out = execFileSync('sh', ['-c', `printf '%s' ${shellQuote(word)}`], { encoding: 'utf8' });
    expect(out).toBe(word);
  });

  it('leaves safe words bare so logs stay readable', () => {
    expect(shellQuote('docker')).toBe('docker');
    expect(shellQuote('ghcr.io/o/r:1@sha256:ab')).toBe('ghcr.io/o/r:1@sha256:ab');
  });
});

describe('toShellLine', () => {
  it('runs argv, env and cwd exactly in a real shell', () => {
    const line = toShellLine(
      command(['sh', '-c', 'printf "%s|%s|%s" "$1" "$GREETING" "$(pwd)"', 'arg0', 'x y'], {
        env: { GREETING: "hello 'world'" },
        cwd: '/tmp',
      }),
    );
    expect(execFileSync('sh', ['-c', line], { encoding: 'utf8' })).toBe("x y|hello 'world'|/tmp");
  });

  it('rejects an environment name that a shell would misread', () => {
    expect(() => toShellLine(command(['true'], { env: { 'A;B': '1' } }))).toThrow(
      "invalid environment variable name 'A;B'",
    );
  });
});

describe('redact', () => {
  it.each([
    ['token abc123 here', ['abc123'], 'token *** here'],
    ['abc123abc123', ['abc123'], '******'],
    ['overlap secretlong', ['secret', 'secretlong'], 'overlap ***'],
    ['x', ['x'], 'x'],
    ['nothing', [], 'nothing'],
  ])('%j with %j -> %j', (text, secrets, want) => {
    expect(redact(text, secrets)).toBe(want);
  });

  it('describe() shows argv with secrets removed and never env values', () => {
    const cmd = command(['curl', '-u', 'user:pa55word', 'https://x'], {
      env: { TOKEN: 'tok' },
      secrets: ['pa55word'],
    });
    expect(describeCmd(cmd)).toBe('curl -u user:*** https://x');
  });

  it('refuses an empty argv', () => {
    expect(() => command([])).toThrow('argv must name a program');
  });
});
