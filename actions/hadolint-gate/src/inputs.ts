import { InputError, Inputs, type InputSource, actionsInputSource } from '../../toolkit/src/index.js';
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
  /** Compose files, relative to the workspace, as given. */
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
    config: i.path(INPUT.config, { mustExist: true, kind: 'file' }),
    hadolintVersion: i.string(INPUT.hadolintVersion, { default: DEFAULT_VERSION }),
    sarifFile: i.path(INPUT.sarifFile, { default: 'hadolint.sarif' }),
  };
  if (settings.hadolintVersion !== 'system' && !KNOWN_VERSIONS.includes(settings.hadolintVersion)) {
    throw new InputError(
      INPUT.hadolintVersion,
      `expected one of ${[...KNOWN_VERSIONS, 'system'].join('|')} (versions with a verified checksum), got '${settings.hadolintVersion}'.`,
    );
  }
  return settings;
}
