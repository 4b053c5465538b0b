import { Inputs, type InputSource, type WorkspacePath, actionsInputSource } from '../../toolkit/src/index.js';

/** Input names exactly as action.yml spells them. */
export const INPUT = {
  command: 'command',
  results: 'results',
  thresholds: 'thresholds',
  baseline: 'baseline',
  saveBaseline: 'save-baseline',
  githubToken: 'github-token',
  comment: 'comment',
} as const;

/** A file input, checked against the workspace (toolkit workspace-path): `name` is how messages show it. */
export type FileInput = WorkspacePath;

export type Settings = ReturnType<typeof getInputs>;

export function getInputs(source: InputSource = actionsInputSource) {
  const i = new Inputs(source);
  return {
    command: i.string(INPUT.command),
    // Written by the eval (the `command` input or an earlier step): it must exist when it is read, not now.
    results: i.file(INPUT.results, { required: true, mustExist: false })!,
    thresholds: i.file(INPUT.thresholds),
    baseline: i.file(INPUT.baseline),
    saveBaseline: i.boolean(INPUT.saveBaseline, { default: false }),
    githubToken: i.secret(INPUT.githubToken),
    comment: i.boolean(INPUT.comment, { default: true }),
  };
}
