import { Inputs, type InputSource, actionsInputSource } from '../../toolkit/src/index.js';

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
  dockerfiles: string[];
  composeFiles: string[];
  failureThreshold: Threshold;
  config: string;
  hadolintVersion: string;
  sarifFile: string;
}

export function getInputs(source: InputSource = actionsInputSource): Settings {
  const i = new Inputs(source);
  return {
    dockerfiles: i.list(INPUT.dockerfiles),
    composeFiles: i.list(INPUT.composeFile),
    failureThreshold: i.enum(INPUT.failureThreshold, THRESHOLDS, { default: 'warning' }),
    config: i.path(INPUT.config),
    hadolintVersion: i.string(INPUT.hadolintVersion, {
      default: 'v2.14.0',
      pattern: /^(system|v\d+\.\d+\.\d+)$/,
      hint: 'a release like v2.14.0, or system',
    }),
    sarifFile: i.path(INPUT.sarifFile, { default: 'hadolint.sarif' }),
  };
}
