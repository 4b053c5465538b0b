import { spawn } from 'node:child_process';
import * as core from '@actions/core';
import { type Command, describe, redact } from './command.js';
import { ActionError } from './errors.js';
import type { ExecResult, Runner } from './runner.js';

/**
 * Like LocalRunner, but also shows the output live, line by line and redacted, for long commands (image
 * builds, pushes) whose progress a person wants to watch. Output is still captured and returned.
 */
export class StreamingLocalRunner implements Runner {
  constructor(
    private readonly write: (line: string) => void = (line) => process.stdout.write(`${line}\n`),
    private readonly baseEnv: NodeJS.ProcessEnv = process.env,
  ) {}

  exec(cmd: Command): Promise<ExecResult> {
    core.info(`$ ${describe(cmd)}`);
    return new Promise((resolve, reject) => {
      const [file, ...args] = cmd.argv as [string, ...string[]];
      const child = spawn(file, args, {
        cwd: cmd.cwd,
        env: { ...this.baseEnv, ...cmd.env },
        stdio: ['pipe', 'pipe', 'pipe'],
        timeout: cmd.timeoutMs,
        killSignal: 'SIGTERM',
      });
      const captured = { stdout: [] as string[], stderr: [] as string[] };
      // Lines are redacted whole, so a secret split across two chunks is still caught.
      const pump = (name: 'stdout' | 'stderr') => {
        let partial = '';
        child[name].setEncoding('utf8');
        child[name].on('data', (chunk: string) => {
          const lines = (partial + chunk).split('\n');
          partial = lines.pop() ?? '';
          for (const l of lines) this.emit(name, redact(l, cmd.secrets), captured);
        });
        child[name].on('end', () => {
          if (partial) this.emit(name, redact(partial, cmd.secrets), captured);
          partial = '';
        });
      };
      pump('stdout');
      pump('stderr');
      child.on('error', (e: NodeJS.ErrnoException) => {
        const why =
          e.code === 'ENOENT'
            ? `'${file}' was not found on PATH. Install it or check the tool's input.`
            : e.message;
        reject(new ActionError(`${describe(cmd)} could not start: ${why}`));
      });
      child.on('close', (code, signal) => {
        const stderr =
          captured.stderr.join('\n') +
          (signal ? `\nkilled by ${signal}${cmd.timeoutMs ? ` (timeout ${cmd.timeoutMs} ms)` : ''}` : '');
        resolve({ exitCode: code ?? 128, stdout: captured.stdout.join('\n'), stderr });
      });
      child.stdin.on('error', () => undefined);
      child.stdin.end(cmd.stdin ?? '');
    });
  }

  private emit(name: 'stdout' | 'stderr', line: string, captured: Record<'stdout' | 'stderr', string[]>) {
    captured[name].push(line);
    this.write(line);
  }
}
