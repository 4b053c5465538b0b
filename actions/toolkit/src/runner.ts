import { spawn } from 'node:child_process';
import * as core from '@actions/core';
import { ActionError } from './errors.js';
import { type Command, describe, redact } from './command.js';

export interface ExecResult {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** The seam every side effect that runs a program goes through: locally now, over SSH for the VPS. */
export interface Runner {
  exec(cmd: Command): Promise<ExecResult>;
}

/** A command that exited non-zero, with its last stderr line (redacted) in the message. */
export class CommandError extends ActionError {
  constructor(
    readonly cmd: Command,
    readonly result: ExecResult,
  ) {
    super(
      `${describe(cmd)} failed (exit ${result.exitCode}): ${lastLine(result.stderr || result.stdout) || 'no output'}`,
    );
    this.name = 'CommandError';
  }
}

export function lastLine(text: string): string {
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  return lines[lines.length - 1] ?? '';
}

/** Runs `cmd`, throwing CommandError unless it exits 0. Full output goes to the debug log, redacted. */
export async function check(runner: Runner, cmd: Command): Promise<ExecResult> {
  const result = await runner.exec(cmd);
  if (result.exitCode !== 0) {
    core.debug(`stdout of failed command:\n${result.stdout}`);
    core.debug(`stderr of failed command:\n${result.stderr}`);
    throw new CommandError(cmd, result);
  }
  return result;
}

/** Where a LocalRunner shows a command's output live, one redacted line at a time. */
export type LineSink = (line: string) => void;

export const toStdout: LineSink = (line) => void process.stdout.write(`${line}\n`);

/**
 * Runs commands on this machine. Output is captured and secrets are redacted from everything returned. With
 * `echo`, output is also shown live, line by line (lines are redacted whole, so a secret split across two
 * chunks is still caught): for long commands such as image builds whose progress a person wants to watch.
 */
export class LocalRunner implements Runner {
  constructor(
    private readonly baseEnv: NodeJS.ProcessEnv = process.env,
    private readonly echo?: LineSink,
  ) {}

  exec(cmd: Command): Promise<ExecResult> {
    if (this.echo) core.info(`$ ${describe(cmd)}`);
    else core.debug(`run: ${describe(cmd)}`);
    return new Promise((resolve, reject) => {
      const [file, ...args] = cmd.argv as [string, ...string[]];
      const child = spawn(file, args, {
        cwd: cmd.cwd,
        env: { ...this.baseEnv, ...cmd.env },
        stdio: ['pipe', 'pipe', 'pipe'],
        timeout: cmd.timeoutMs,
        killSignal: 'SIGTERM',
      });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      const pump = (stream: NodeJS.ReadableStream, into: Buffer[]) => {
        let partial = '';
        stream.on('data', (d: Buffer) => {
          into.push(d);
          if (!this.echo) return;
          const lines = (partial + d.toString('utf8')).split('\n');
          partial = lines.pop() ?? '';
          for (const line of lines) this.echo(redact(line, cmd.secrets));
        });
        stream.on('end', () => {
          if (this.echo && partial) this.echo(redact(partial, cmd.secrets));
        });
      };
      pump(child.stdout, out);
      pump(child.stderr, err);
      child.on('error', (e: NodeJS.ErrnoException) => {
        const why =
          e.code === 'ENOENT'
            ? `'${file}' was not found on PATH. Install it or check the tool's input.`
            : e.message;
        reject(new ActionError(`${describe(cmd)} could not start: ${why}`));
      });
      child.on('close', (code, signal) => {
        const clean = (b: Buffer[]) => redact(Buffer.concat(b).toString('utf8'), cmd.secrets);
        const stderr =
          clean(err) +
          (signal ? `\nkilled by ${signal}${cmd.timeoutMs ? ` (timeout ${cmd.timeoutMs} ms)` : ''}` : '');
        resolve({ exitCode: code ?? 128, stdout: clean(out), stderr });
      });
      child.stdin.on('error', () => undefined);
      child.stdin.end(cmd.stdin ?? '');
    });
  }
}
