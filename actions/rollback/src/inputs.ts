import {
  Inputs,
  type InputSource,
  actionsInputSource,
  CONNECTION_INPUT,
  RULES,
  readConnection,
} from '../../toolkit/src/index.js';

/** Input names exactly as action.yml spells them. */
export const INPUT = {
  ...CONNECTION_INPUT,
  to: 'to',
  list: 'list',
  lockTimeoutSeconds: 'lock-timeout-seconds',
  githubToken: 'github-token',
  environment: 'environment',
  environmentUrl: 'environment-url',
} as const;

export type Settings = ReturnType<typeof getInputs>;

export function getInputs(source: InputSource = actionsInputSource) {
  const i = new Inputs(source);
  return {
    ...readConnection(i),
    to: i.string(INPUT.to, {
      default: 'previous',
      rule: RULES.releaseId,
      hint: `${RULES.releaseId.hint}, or previous`,
    }),
    list: i.boolean(INPUT.list, { default: false }),
    lockTimeoutSeconds: i.integer(INPUT.lockTimeoutSeconds, { default: 120, min: 0, max: 3600 }),
    githubToken: i.secret(INPUT.githubToken),
    environment: i.string(INPUT.environment, { default: 'production', rule: RULES.environment }),
    environmentUrl: i.string(INPUT.environmentUrl, {
      pattern: /^https?:\/\/\S+$/,
      hint: 'an http(s) URL',
    }),
  };
}
