import { describe, expect, it } from 'vitest';
import { mapInputSource } from '../../toolkit/src/index.js';
import { getInputs } from '../src/inputs.js';

const valid = {
  registry: 'ghcr.io',
  repository: 'acme/shop',
  images: '{"worker":"slipway/worker:ci","api":"slipway/api@sha256:' + 'a'.repeat(64) + '"}',
  username: 'octo-bot',
  password: 'pw-secret',
  'extra-tags': 'latest\nrelease-1.2',
};
const read = (over: Record<string, string> = {}, env: NodeJS.ProcessEnv = {}) =>
  getInputs(mapInputSource({ ...valid, ...over }), env);

describe('getInputs', () => {
  it('returns typed settings with services sorted', () => {
    expect(read()).toEqual({
      registry: 'ghcr.io',
      repository: 'acme/shop',
      images: { api: `slipway/api@sha256:${'a'.repeat(64)}`, worker: 'slipway/worker:ci' },
      username: 'octo-bot',
      password: 'pw-secret',
      extraTags: ['latest', 'release-1.2'],
    });
  });

  it('defaults registry to ghcr.io and repository to GITHUB_REPOSITORY lower-cased', () => {
    const s = read({ registry: '', repository: '' }, { GITHUB_REPOSITORY: 'Acme/Shop-API' });
    expect(s.registry).toBe('ghcr.io');
    expect(s.repository).toBe('acme/shop-api');
  });

  it.each([
    [
      { registry: 'https://ghcr.io' },
      {},
      "Input 'registry': expected a registry host like ghcr.io or host:port, got 'https://ghcr.io'.",
    ],
    [
      { repository: 'Acme/Shop' },
      {},
      "Input 'repository': expected a lower-case repository path like acme/shop, got 'Acme/Shop'.",
    ],
    [{ repository: 'acme//shop' }, {}, "Input 'repository': expected a lower-case repository path"],
    [{ repository: '' }, {}, "Input 'repository': empty and GITHUB_REPOSITORY is not set"],
    [
      { repository: '' },
      { GITHUB_REPOSITORY: 'acme/.hidden' },
      "the default, GITHUB_REPOSITORY lower-cased ('acme/.hidden'), is not a valid registry path",
    ],
    [{ images: '' }, {}, "Input 'images': required but empty"],
    [{ images: '{}' }, {}, "Input 'images': expected at least one service, got {}."],
    [{ images: '[1]' }, {}, "Input 'images': expected a JSON object of strings, got an array."],
    [
      { images: '{"Api":"x:1"}' },
      {},
      "Input 'images': expected a service name (1-32 lower-case letters, digits and -, starting with a letter) as keys, the names ssh-deploy deploys, got 'Api'.",
    ],
    [{ images: '{"-api":"x:1"}' }, {}, "got '-api'"],
    [
      { images: '{"api":"Slipway/API:ci"}' },
      {},
      "service 'api': expected a local image reference like name:tag or name@sha256:..., got 'Slipway/API:ci'.",
    ],
    [{ images: '{"api":"x:1 --push"}' }, {}, "service 'api': expected a local image reference"],
    [
      { images: '{"api":"sha256:' + 'a'.repeat(64) + '"}' },
      {},
      "service 'api': expected a local image reference",
    ],
    [{ images: '{"a_b-1":"x:1"}' }, {}, "as keys, the names ssh-deploy deploys, got 'a_b-1'."],
    [{ images: `{"${'s'.repeat(33)}":"x:1"}` }, {}, `got '${'s'.repeat(33)}'.`],
    [
      { repository: `acme/${'r'.repeat(250)}` },
      {},
      `service 'api': 'ghcr.io/acme/${'r'.repeat(67)}...' (267 characters) is longer than 255 characters.`,
    ],
    [{ username: '' }, {}, "Input 'username': required but empty"],
    [{ username: 'a b' }, {}, "Input 'username': expected a user name without spaces or colons"],
    [{ username: '--password=x' }, {}, "Input 'username': expected a user name"],
    [{ password: '' }, {}, "Input 'password': required but empty. Pass it from a secret"],
    [
      { 'extra-tags': 'latest,.hidden' },
      {},
      "Input 'extra-tags': each entry must be a Docker tag (letters, digits, _ . -, not starting with . or -, at most 128), got '.hidden'.",
    ],
    [{ 'extra-tags': 'a'.repeat(129) }, {}, "Input 'extra-tags': each entry must be a Docker tag"],
    [{ 'extra-tags': 'with space' }, {}, "got 'with space'"],
  ])('%j refused', (over, env, message) => {
    expect(() => read(over, env)).toThrow(message);
  });

  it.each([
    ['registry', { registry: '127.0.0.1:5000' }],
    ['registry', { registry: 'registry.example.com:443' }],
    ['repository', { repository: 'a/b/c__d.e-f' }],
    ['images', { images: '{"a-b-1":"localhost:5000/x/y:ci"}' }],
    ['username', { username: 'github-actions[bot]' }],
    ['extra-tags', { 'extra-tags': '_x, v1.2.3-rc.1, latest' }],
  ])('accepts a valid %s', (_name, over) => {
    expect(() => read(over)).not.toThrow();
  });

  it('never puts the password into an error message', () => {
    const secret = 'hunter2-secret';
    try {
      read({ password: secret, username: 'bad user' });
    } catch (err) {
      expect((err as Error).message).not.toContain(secret);
    }
  });
});
