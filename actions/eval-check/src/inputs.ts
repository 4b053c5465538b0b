import path from 'node:path';
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

/** A file input: the resolved path, and the name to show in messages (relative to the workspace). */
export interface FileInput {
  path: string;
  name: string;
}

export type Settings = ReturnType<typeof getInputs>;

export function getInputs(source: InputSource = actionsInputSource) {
  const i = new Inputs(source);
  const workspace = path.resolve(process.env.GITHUB_WORKSPACE ?? process.cwd());
  const file = (resolved: string): FileInput | undefined =>
    resolved ? { path: resolved, name: path.relative(workspace, resolved) } : undefined;
  return {
    command: i.string(INPUT.command),
    results: file(i.path(INPUT.results, { required: true }))!,
    thresholds: file(i.path(INPUT.thresholds)),
    baseline: file(i.path(INPUT.baseline)),
    saveBaseline: i.boolean(INPUT.saveBaseline, { default: false }),
    githubToken: i.secret(INPUT.githubToken),
    comment: i.boolean(INPUT.comment, { default: true }),
  };
}
