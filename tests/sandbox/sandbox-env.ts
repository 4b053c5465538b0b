// Shared by the integration globalSetup and the sandbox tests: where the sandbox keeps its state,
// how to read the env file `scripts/sandbox/up` writes, and a small synchronous command runner.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Where scripts/sandbox/up keeps its state: machine-wide by default, like the daemons it starts. */
export const DEFAULT_SANDBOX_STATE = '/var/lib/slipway/sandbox';

export function sandboxStateDir(): string {
  return process.env.SLIPWAY_SANDBOX_STATE ?? DEFAULT_SANDBOX_STATE;
}

/** Parses the `export NAME='value'` lines of <state>/env. */
export function parseEnvFile(text: string): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const match = /^export ([A-Z0-9_]+)='([^']*)'$/.exec(line);
    if (match?.[1] !== undefined && match[2] !== undefined) vars[match[1]] = match[2];
  }
  return vars;
}

export function readSandboxEnv(): Record<string, string> {
  return parseEnvFile(readFileSync(path.join(sandboxStateDir(), 'env'), 'utf8'));
}

/** A SLIPWAY_* variable from process.env (set by the globalSetup) or, failing that, the env file. */
export function sandboxVar(name: string): string {
  const value = process.env[name] ?? readSandboxEnv()[name];
  if (value === undefined) throw new Error(`${name} is not set: run scripts/sandbox/up first.`);
  return value;
}

/**
 * Values of a constant defined in scripts/sandbox/lib/common.sh (the one home of, e.g., the base image names),
 * as bash itself expands them: one element per array entry, or one for a plain variable.
 */
export function sandboxConstants(name: string): string[] {
  if (!/^[A-Z][A-Z0-9_]*$/.test(name)) throw new Error(`sandboxConstants: "${name}" is not a constant name`);
  const common = path.join(repoRoot, 'scripts', 'sandbox', 'lib', 'common.sh');
  const script = '. "$1" && [[ -v "$2" ]] && declare -n value="$2" && printf \'%s\\n\' "${value[@]}"';
  const result = run('bash', ['-c', script, 'common.sh', common, name]);
  if (result.status !== 0) throw new Error(`${name} is not defined in ${common}: ${result.stderr}`);
  return result.stdout.split('\n').filter(Boolean);
}

export function sandboxConstant(name: string): string {
  const [value, ...rest] = sandboxConstants(name);
  if (value === undefined || rest.length > 0) throw new Error(`${name} is not a single value`);
  return value;
}

export interface RunResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

export function run(
  cmd: string,
  args: string[],
  options: { input?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): RunResult {
  const result = spawnSync(cmd, args, {
    encoding: 'utf8',
    input: options.input,
    env: options.env ?? process.env,
    timeout: options.timeoutMs ?? 120_000,
  });
  return { status: result.status, stdout: result.stdout ?? '', stderr: result.stderr ?? '' };
}

/** A command on the VPS as root through its console (docker exec), the way an operator uses a provider's console. */
export function onVpsConsole(
  argv: string[],
  options: { input?: string; env?: Record<string, string> } = {},
): RunResult {
  const envArgs = Object.entries(options.env ?? {}).flatMap(([k, v]) => ['-e', `${k}=${v}`]);
  const stdin = options.input === undefined ? [] : ['-i'];
  return run('docker', ['exec', ...stdin, ...envArgs, sandboxVar('SLIPWAY_VPS_CONSOLE'), ...argv], {
    input: options.input,
    timeoutMs: 300_000,
  });
}

/** docker on the VPS (through its console) with its own, initially empty, credential store in a tmpfs. */
export function vpsDocker(): (args: string[], input?: string) => RunResult {
  const config = `/run/slipway-test-docker-${Math.random().toString(16).slice(2, 10)}`;
  return (args, input) => onVpsConsole(['docker', ...args], { input, env: { DOCKER_CONFIG: config } });
}
