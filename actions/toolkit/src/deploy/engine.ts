/**
 * The deploy engine's command line as data, and the one line it answers with. Shared by ssh-deploy and
 * rollback: the actions validate, upload, invoke and report; the engine (infra/deploy-engine) does the work.
 */
import type { Command, ExecResult } from '../index.js';
import { lastLine, shown } from '../index.js';

export interface EngineResult {
  ok: boolean;
  command: string;
  release: string;
  previous: string;
  slot?: string;
  seconds?: number;
  error?: string;
  detail?: string;
}

export interface LedgerEntry {
  op: string;
  kind: 'deploy' | 'rollback';
  release: string;
  previous: string;
  result: string;
  actor?: string;
  runUrl?: string;
  gitSha?: string;
  startedAt?: string;
  finishedAt?: string;
  images?: Record<string, string>;
  error?: string;
}

export interface RetainedRelease {
  id: string;
  live: boolean;
  gitSha?: string;
  created?: string;
  images?: Record<string, string>;
}

export interface Listing {
  current: string;
  releases: RetainedRelease[];
  ledger: LedgerEntry[];
}

export const engineBin = (appDir: string): string => `${appDir}/bin/slipway`;

/** Extracts the uploaded tar, installs the engine under engines/<digest> and swaps bin/ to it atomically,
 * then lets the (new) engine take the release directory. Runs as `sh -c` on the host. */
export const INSTALL_SCRIPT = [
  'set -eu',
  'app=$1; nonce=$2; digest=$3; release=$4',
  'in="$app/.incoming/$nonce"',
  'trap \'rm -rf "$in" "$in.tar" "$app/.incoming/bin.$nonce"\' EXIT',
  'mkdir -p "$in" "$app/engines"',
  'tar -xf "$in.tar" -C "$in" --no-same-owner',
  '[ -d "$app/engines/$digest" ] || mv "$in/engine" "$app/engines/$digest"',
  'ln -sfn "engines/$digest/bin" "$app/.incoming/bin.$nonce"',
  'mv -Tf "$app/.incoming/bin.$nonce" "$app/bin"',
  'ls -1t "$app/engines" | tail -n +4 | while read -r old; do [ "$old" = "$digest" ] || rm -rf "$app/engines/$old"; done',
  '"$app/bin/slipway" --app-dir "$app" receive "$in/release" "$release"',
].join('\n');

export function installCommand(appDir: string, nonce: string, digest: string, releaseId: string): Command {
  return { argv: ['sh', '-c', INSTALL_SCRIPT, 'slipway-install', appDir, nonce, digest, releaseId] };
}

export const uploadPath = (appDir: string, nonce: string): string => `${appDir}/.incoming/${nonce}.tar`;

export function deployCommand(
  appDir: string,
  releaseId: string,
  o: { healthTimeoutSeconds: number; keepReleases: number; lockTimeoutSeconds: number },
): Command {
  return {
    argv: [
      engineBin(appDir),
      '--app-dir',
      appDir,
      'deploy',
      releaseId,
      '--health-timeout',
      String(o.healthTimeoutSeconds),
      '--keep',
      String(o.keepReleases),
      '--lock-wait',
      String(o.lockTimeoutSeconds),
      '--stop-on-disconnect',
    ],
  };
}

export function rollbackCommand(
  appDir: string,
  to: string,
  o: { lockTimeoutSeconds: number; actor: string; runUrl: string },
): Command {
  const argv = [engineBin(appDir), '--app-dir', appDir, 'rollback', '--to', to];
  argv.push('--lock-wait', String(o.lockTimeoutSeconds), '--actor', o.actor);
  if (o.runUrl) argv.push('--run-url', o.runUrl);
  argv.push('--stop-on-disconnect');
  return { argv };
}

export function listCommand(appDir: string): Command {
  return { argv: [engineBin(appDir), '--app-dir', appDir, 'list', '--json'] };
}

/** The last `SLIPWAY_RESULT {json}` line of the engine's stdout, if any. */
export function parseResult(stdout: string): EngineResult | undefined {
  const line = stdout
    .split('\n')
    .filter((l) => l.startsWith('SLIPWAY_RESULT '))
    .pop();
  if (!line) return undefined;
  try {
    const value = JSON.parse(line.slice('SLIPWAY_RESULT '.length)) as Partial<EngineResult>;
    if (typeof value.ok !== 'boolean') return undefined;
    return {
      ok: value.ok,
      command: String(value.command ?? ''),
      release: String(value.release ?? ''),
      previous: String(value.previous ?? ''),
      ...(value.slot ? { slot: String(value.slot) } : {}),
      ...(typeof value.seconds === 'number' ? { seconds: value.seconds } : {}),
      ...(value.error ? { error: String(value.error) } : {}),
      ...(value.detail ? { detail: String(value.detail) } : {}),
    };
  } catch {
    return undefined;
  }
}

/** `slipway list --json`, or an error naming what came back instead. */
export function parseListing(stdout: string): Listing {
  const text = stdout.trim().split('\n').pop() ?? '';
  try {
    const value = JSON.parse(text) as Listing;
    if (typeof value.current === 'string' && Array.isArray(value.releases) && Array.isArray(value.ledger))
      return value;
  } catch {
    // reported below
  }
  throw new Error(`slipway list --json did not answer with a listing: ${shown(text, 200)}`);
}

/** The message an action fails with: the engine's own error and detail (e.g. the health log) when it gave
 * one, else the exit code and the last line it wrote. */
export function failureMessage(what: string, res: ExecResult, result: EngineResult | undefined): string {
  if (result && !result.ok) {
    return `${what} failed: ${result.error ?? 'no reason given'}${result.detail ? `\n${result.detail}` : ''}`;
  }
  const last = lastLine(res.stderr) || lastLine(res.stdout) || 'no output';
  const hint =
    res.exitCode === 127
      ? ' The engine is not installed on the host: run ssh-deploy once (it uploads the engine).'
      : '';
  return `${what} failed (exit ${res.exitCode}) without a result line: ${last}.${hint}`;
}
