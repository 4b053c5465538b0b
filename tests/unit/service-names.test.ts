/**
 * What builds and pushes also deploys: compose-build (`services`), ghcr-push (`images` keys) and ssh-deploy
 * (`images` keys) accept exactly the same service names, the ones RULES.serviceName (and the engine) allows.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { getInputs as composeBuild } from '../../actions/compose-build/src/inputs.js';
import { getInputs as ghcrPush } from '../../actions/ghcr-push/src/inputs.js';
import { getInputs as sshDeploy } from '../../actions/ssh-deploy/src/inputs.js';
import { RULES, matches, mapInputSource } from '../../actions/toolkit/src/index.js';

const root = path.resolve(import.meta.dirname, '../..');
const example = (action: string) =>
  (
    JSON.parse(
      fs.readFileSync(path.join(root, 'actions', action, 'tests', 'example-inputs.json'), 'utf8'),
    ) as {
      valid: Record<string, string>;
    }
  ).valid;
const pinned = `ghcr.io/acme/shop/api@sha256:${'a'.repeat(64)}`;

const accepts = (read: () => unknown) => {
  const cwd = process.cwd();
  process.chdir(root);
  try {
    read();
    return true;
  } catch {
    return false;
  } finally {
    process.chdir(cwd);
  }
};

describe.each([
  'api',
  'worker-2',
  'a' + 'b'.repeat(31),
  'a' + 'b'.repeat(32),
  'Api',
  'api_v2',
  '2api',
  '-api',
  'api.v2',
  'api v2',
])('service name %j', (name) => {
  it('gets the same verdict from compose-build, ghcr-push, ssh-deploy and the rule', () => {
    const verdicts = {
      rule: matches(RULES.serviceName, name),
      'compose-build': accepts(() =>
        composeBuild(mapInputSource({ ...example('compose-build'), services: name })),
      ),
      'ghcr-push': accepts(() =>
        ghcrPush(
          mapInputSource({ ...example('ghcr-push'), images: JSON.stringify({ [name]: 'slipway/x:ci' }) }),
        ),
      ),
      'ssh-deploy': accepts(() =>
        sshDeploy(
          mapInputSource({
            ...example('ssh-deploy'),
            images: JSON.stringify({ api: pinned, [name]: pinned }),
          }),
        ),
      ),
    };
    const rule = verdicts.rule;
    expect(verdicts).toEqual({ rule, 'compose-build': rule, 'ghcr-push': rule, 'ssh-deploy': rule });
  });
});
