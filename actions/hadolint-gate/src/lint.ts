import { type Command, type Runner, check, command } from '../../toolkit/src/index.js';
import { prepareConfig } from './config.js';
import { type Finding, interpretRun } from './findings.js';
import type { Settings } from './inputs.js';
import { installHadolint } from './install.js';

/**
 * One hadolint run over one Dockerfile. Per file, so a file that does not parse is attributed to itself;
 * `--no-fail` because the gate is the action's, and the config always comes from the action (see config.ts).
 * `--` ends the options: a file named `-v` is linted, not read as hadolint's --version.
 */
export function lintCommand(hadolint: string, file: string, configPath: string, workspace: string): Command {
  return command(
    [hadolint, '--no-fail', '--no-color', '--format', 'json', '--config', configPath, '--', file],
    {
      cwd: workspace,
      timeoutMs: 120_000,
    },
  );
}

export function versionCommand(hadolint: string): Command {
  return command([hadolint, '--version'], { timeoutMs: 30_000 });
}

/** "Haskell Dockerfile Linter 2.14.0" -> "2.14.0". Pure. */
export function parseVersion(output: string): string | undefined {
  return /(\d+\.\d+\.\d+(?:[-+][\w.-]+)?)/.exec(output)?.[1];
}

export async function hadolintVersion(runner: Runner, hadolint: string, fallback: string): Promise<string> {
  const res = await check(runner, versionCommand(hadolint));
  return parseVersion(res.stdout) ?? fallback.replace(/^v/, '');
}

/** Lints `files` (workspace-relative) one by one and returns every finding, in file order. */
export async function lintFiles(
  runner: Runner,
  hadolint: string,
  files: readonly string[],
  configPath: string,
  workspace: string,
  shownConfig = '',
): Promise<Finding[]> {
  const findings: Finding[] = [];
  for (const file of files) {
    const result = await runner.exec(lintCommand(hadolint, file, configPath, workspace));
    findings.push(...interpretRun(result, file, shownConfig));
  }
  return findings;
}

export interface LintRun {
  readonly version: string;
  readonly findings: Finding[];
  readonly notes: string[];
}

/**
 * Prepares the config (before anything is downloaded, so a broken one fails fast), installs hadolint and
 * lints every file; the generated config is removed whatever happens.
 */
export async function runHadolint(
  runner: Runner,
  settings: Pick<Settings, 'config' | 'hadolintVersion'>,
  files: readonly string[],
  workspace: string,
  env: NodeJS.ProcessEnv,
): Promise<LintRun> {
  const config = prepareConfig(settings.config, workspace, env);
  try {
    const hadolint = await installHadolint(settings.hadolintVersion, { env });
    const version = await hadolintVersion(runner, hadolint, settings.hadolintVersion);
    const findings = await lintFiles(runner, hadolint, files, config.path, workspace, config.shown);
    return { version, findings, notes: config.notes };
  } finally {
    config.cleanup();
  }
}
