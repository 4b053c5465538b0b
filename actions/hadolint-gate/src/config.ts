import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import yaml from 'js-yaml';
import { InputError, shown } from '../../toolkit/src/index.js';
import { INPUT } from './inputs.js';

/** Looked for in the workspace root, in this order, when the `config` input is empty. */
export const DEFAULT_CONFIGS = ['.hadolint.yaml', '.hadolint.yml'];

/**
 * Keys that decide how hadolint reports, not what it finds. The action owns them: hadolint lets a config's
 * `format` beat `--format json` on the command line, and the gate is computed from `failure-threshold`.
 */
export const OWNED_KEYS = ['format', 'no-fail', 'failure-threshold', 'no-color', 'verbose'];

/** The config to use: the explicit one, else the first DEFAULT_CONFIGS that exists, else none (''). */
export function chooseConfig(explicit: string, workspace: string, exists: (p: string) => boolean): string {
  if (explicit) return explicit;
  for (const name of DEFAULT_CONFIGS) {
    const candidate = path.join(workspace, name);
    if (exists(candidate)) return candidate;
  }
  return '';
}

export interface EffectiveConfig {
  /** YAML to hand hadolint with `--config`. */
  readonly text: string;
  /** Keys removed from the user's config, with their values, for the log. */
  readonly dropped: Record<string, unknown>;
}

/**
 * The user's config without OWNED_KEYS. Always returns a config (`{}` without one), so hadolint never picks
 * up a config of its own from the home folder and every run is reproducible. Pure.
 */
export function effectiveConfig(text: string | undefined, shownPath = ''): EffectiveConfig {
  if (text === undefined) return { text: '{}\n', dropped: {} };
  let doc: unknown;
  try {
    doc = yaml.load(text);
  } catch (err) {
    throw new InputError(
      INPUT.config,
      `${shown(shownPath)} is not valid YAML: ${(err as Error).message.split('\n')[0]}. Fix the hadolint config.`,
    );
  }
  if (doc === undefined || doc === null) return { text: '{}\n', dropped: {} };
  if (typeof doc !== 'object' || Array.isArray(doc)) {
    throw new InputError(INPUT.config, `${shown(shownPath)} must be a YAML mapping of hadolint settings.`);
  }
  const kept: Record<string, unknown> = {};
  const dropped: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(doc)) {
    if (OWNED_KEYS.includes(key)) dropped[key] = value;
    else kept[key] = value;
  }
  return { text: Object.keys(kept).length ? yaml.dump(kept) : '{}\n', dropped };
}

export interface PreparedConfig {
  /** The generated config file to pass with `--config`. */
  readonly path: string;
  /** The user's config as they named it, or '' when there is none. */
  readonly shown: string;
  readonly notes: string[];
  cleanup(): void;
}

/** Writes the effective config to a private temp folder (RUNNER_TEMP on a runner). */
export function prepareConfig(explicit: string, workspace: string, env: NodeJS.ProcessEnv): PreparedConfig {
  const source = chooseConfig(explicit, workspace, (p) => fs.existsSync(p) && fs.statSync(p).isFile());
  const shown = source ? path.relative(workspace, source).split(path.sep).join('/') : '';
  const effective = effectiveConfig(source ? fs.readFileSync(source, 'utf8') : undefined, shown);
  const notes = Object.entries(effective.dropped).map(([key, value]) =>
    key === 'failure-threshold'
      ? `${shown} sets failure-threshold: ${JSON.stringify(value)}, which is ignored: the failure-threshold input decides the gate.`
      : `${shown} sets ${key}: ${JSON.stringify(value)}, which is ignored: hadolint-gate controls hadolint's output itself.`,
  );
  const temp = env.RUNNER_TEMP || os.tmpdir();
  fs.mkdirSync(temp, { recursive: true });
  const dir = fs.mkdtempSync(path.join(temp, 'hadolint-gate-'));
  const file = path.join(dir, 'hadolint.yaml');
  fs.writeFileSync(file, effective.text);
  return { path: file, shown, notes, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}
