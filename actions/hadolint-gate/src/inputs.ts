import fs from 'node:fs';
import {
  InputError,
  Inputs,
  type InputSource,
  type WorkspacePath,
  actionsInputSource,
  outputFilePath,
  shown,
} from '../../toolkit/src/index.js';
import { DEFAULT_VERSION, KNOWN_VERSIONS } from './install.js';

/** Input names exactly as action.yml spells them. */
export const INPUT = {
  dockerfiles: 'dockerfiles',
  composeFile: 'compose-file',
  failureThreshold: 'failure-threshold',
  config: 'config',
  hadolintVersion: 'hadolint-version',
  sarifFile: 'sarif-file',
} as const;

export const THRESHOLDS = ['error', 'warning', 'info', 'style', 'none'] as const;
export type Threshold = (typeof THRESHOLDS)[number];

export interface Settings {
  /** Paths or globs, relative to the workspace, as given. */
  dockerfiles: string[];
  /** Compose files, relative to the workspace, as given (checked to exist when the targets are resolved). */
  composeFiles: string[];
  failureThreshold: Threshold;
  /** Absolute path of an explicit config, or '' to use .hadolint.yaml when the workspace has one. */
  config: string;
  /** A version from the checksum table, or `system`. */
  hadolintVersion: string;
  /** Absolute path the SARIF report is written to. */
  sarifFile: string;
}

export function getInputs(source: InputSource = actionsInputSource): Settings {
  const i = new Inputs(source);
  const settings: Settings = {
    dockerfiles: i.list(INPUT.dockerfiles),
    composeFiles: i.list(INPUT.composeFile),
    failureThreshold: i.enum(INPUT.failureThreshold, THRESHOLDS, { default: 'warning' }),
    config: i.file(INPUT.config)?.path ?? '',
    hadolintVersion: i.string(INPUT.hadolintVersion, { default: DEFAULT_VERSION }),
    sarifFile: checkSarifTarget(i.outputFile(INPUT.sarifFile, { default: 'hadolint.sarif' })!),
  };
  if (settings.hadolintVersion !== 'system' && !KNOWN_VERSIONS.includes(settings.hadolintVersion)) {
    throw new InputError(
      INPUT.hadolintVersion,
      `expected one of ${[...KNOWN_VERSIONS, 'system'].join('|')} (versions with a verified checksum), got ${shown(settings.hadolintVersion)}.`,
    );
  }
  return settings;
}

/**
 * Where the SARIF report goes: inside the workspace, and never over a file that is not a SARIF log (a
 * `sarif-file: package.json` would otherwise be overwritten). An earlier report is replaced.
 */
export function checkSarifTarget(p: WorkspacePath): string {
  const real = outputFilePath(p);
  let text: string;
  try {
    text = fs.readFileSync(real, 'utf8');
  } catch {
    return real;
  }
  let doc: { version?: unknown; runs?: unknown } | undefined;
  try {
    doc = JSON.parse(text) as typeof doc;
  } catch {
    doc = undefined;
  }
  if (doc?.version !== '2.1.0' || !Array.isArray(doc.runs))
    throw new InputError(
      INPUT.sarifFile,
      `${shown(p.given)} exists and is not a SARIF 2.1.0 report; refusing to overwrite it. Choose a new path such as hadolint.sarif.`,
    );
  return real;
}
