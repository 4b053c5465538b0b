import { Inputs, type InputSource, actionsInputSource } from '../../toolkit/src/index.js';

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

export type Settings = ReturnType<typeof getInputs>;

export function getInputs(source: InputSource = actionsInputSource) {
  const i = new Inputs(source);
  return {
    command: i.string(INPUT.command),
    results: i.path(INPUT.results, { required: true }),
    thresholds: i.path(INPUT.thresholds),
    baseline: i.path(INPUT.baseline),
    saveBaseline: i.boolean(INPUT.saveBaseline, { default: false }),
    githubToken: i.secret(INPUT.githubToken),
    comment: i.boolean(INPUT.comment, { default: true }),
  };
}
