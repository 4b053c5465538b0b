import { describe, expect, it } from 'vitest';
import { commitDateCommand } from '../../toolkit/src/index.js';
import type { Settings } from '../src/inputs.js';
import {
  type Facts,
  LABEL,
  inspectLabelsCommand,
  isOwnConfigDir,
  logoutCommand,
  planPush,
} from '../src/plan.js';

const SHA = '0123456789abcdef0123456789abcdef01234567';
const PASSWORD = 'pw-Secret-123';
const CONFIG = '/tmp/slipway-ghcr-push-abc';
const settings: Settings = {
  registry: 'ghcr.io',
  repository: 'acme/shop',
  images: { api: 'slipway/api:ci' },
  username: 'octo',
  password: PASSWORD,
  extraTags: [],
};
const facts: Facts = {
  sha: SHA,
  commitDate: '2024-03-01T12:00:00+02:00',
  sourceUrl: 'https://github.com/Acme/Shop',
  dockerConfig: CONFIG,
  localLabels: { api: {} },
};
const LABELS = {
  [LABEL.source]: 'https://github.com/Acme/Shop',
  [LABEL.revision]: SHA,
  [LABEL.created]: '2024-03-01T10:00:00Z',
  [LABEL.version]: '20240301100000-0123456',
};
const labelArgs = Object.entries(LABELS).flatMap(([k, v]) => ['--label', `${k}=${v}`]);
const API = 'ghcr.io/acme/shop/api';

describe('planPush: exact argv', () => {
  it('logs in with the password on stdin and the private DOCKER_CONFIG', () => {
    expect(planPush(settings, facts).login).toEqual({
      argv: ['docker', 'login', 'ghcr.io', '-u', 'octo', '--password-stdin'],
      stdin: PASSWORD,
      secrets: [PASSWORD],
      env: { DOCKER_CONFIG: CONFIG },
    });
  });

  it.each([
    {
      case: 'unlabelled image: thin labelled build under every tag',
      s: settings,
      f: facts,
      prepare: [
        {
          argv: [
            'docker',
            'build',
            ...labelArgs,
            '--tag',
            `${API}:20240301100000-0123456`,
            '--tag',
            `${API}:sha-0123456`,
            '-',
          ],
          stdin: 'FROM slipway/api:ci\n',
          env: { BUILDX_BUILDER: 'default' },
        },
      ],
      push: [`${API}:20240301100000-0123456`, `${API}:sha-0123456`],
    },
    {
      case: 'extra tags are pushed too',
      s: { ...settings, extraTags: ['latest'] },
      f: facts,
      prepare: [
        {
          argv: [
            'docker',
            'build',
            ...labelArgs,
            '--tag',
            `${API}:20240301100000-0123456`,
            '--tag',
            `${API}:sha-0123456`,
            '--tag',
            `${API}:latest`,
            '-',
          ],
          stdin: 'FROM slipway/api:ci\n',
          env: { BUILDX_BUILDER: 'default' },
        },
      ],
      push: [`${API}:20240301100000-0123456`, `${API}:sha-0123456`, `${API}:latest`],
    },
    {
      case: 'image already carrying the labels: tag only, no build',
      s: settings,
      f: { ...facts, localLabels: { api: { ...LABELS, other: 'kept' } } },
      prepare: [
        { argv: ['docker', 'tag', 'slipway/api:ci', `${API}:20240301100000-0123456`] },
        { argv: ['docker', 'tag', 'slipway/api:ci', `${API}:sha-0123456`] },
      ],
      push: [`${API}:20240301100000-0123456`, `${API}:sha-0123456`],
    },
    {
      case: 'a stale label value means a build',
      s: settings,
      f: { ...facts, localLabels: { api: { ...LABELS, [LABEL.revision]: 'f'.repeat(40) } } },
      prepare: [
        {
          argv: [
            'docker',
            'build',
            ...labelArgs,
            '--tag',
            `${API}:20240301100000-0123456`,
            '--tag',
            `${API}:sha-0123456`,
            '-',
          ],
          stdin: 'FROM slipway/api:ci\n',
          env: { BUILDX_BUILDER: 'default' },
        },
      ],
      push: [`${API}:20240301100000-0123456`, `${API}:sha-0123456`],
    },
  ])('$case', ({ s, f, prepare, push }) => {
    const [svc] = planPush(s, f).services;
    expect(svc!.prepare).toEqual(prepare);
    expect(svc!.push).toEqual(
      push.map((ref) => ({ argv: ['docker', 'push', ref], env: { DOCKER_CONFIG: CONFIG } })),
    );
    expect(svc!.verify).toEqual({
      argv: [
        'docker',
        'image',
        'inspect',
        '--format',
        '{{json .RepoDigests}}',
        `${API}:20240301100000-0123456`,
      ],
    });
  });

  it('without a source URL leaves the source label out', () => {
    const plan = planPush(settings, { ...facts, sourceUrl: undefined });
    expect(Object.keys(plan.labels)).toEqual([LABEL.revision, LABEL.created, LABEL.version]);
  });

  it('plans one entry per service, in service order, under registry/repository/service', () => {
    const plan = planPush(
      { ...settings, registry: '10.200.0.1:5000', images: { api: 'a:1', worker: 'w:1' } },
      { ...facts, localLabels: {} },
    );
    expect(plan.tag).toBe('20240301100000-0123456');
    expect(plan.services.map((s) => [s.service, s.name, s.build])).toEqual([
      ['api', '10.200.0.1:5000/acme/shop/api', true],
      ['worker', '10.200.0.1:5000/acme/shop/worker', true],
    ]);
  });

  it('never puts the password on any command line', () => {
    const plan = planPush({ ...settings, images: { api: 'a:1', web: 'w:1' }, extraTags: ['latest'] }, facts);
    const all = [plan.login, ...plan.services.flatMap((s) => [...s.prepare, ...s.push, s.verify])];
    for (const cmd of all) {
      expect(cmd.argv.join(' ')).not.toContain(PASSWORD);
      expect(JSON.stringify(cmd.env ?? {})).not.toContain(PASSWORD);
    }
  });
});

describe('fact and cleanup commands', () => {
  it.each([
    [
      commitDateCommand('/ws', SHA),
      { argv: ['git', '-c', 'safe.directory=/ws', 'log', '-1', '--format=%cI', SHA, '--'], cwd: '/ws' },
    ],
    [
      inspectLabelsCommand('slipway/api:ci'),
      { argv: ['docker', 'image', 'inspect', '--format', '{{json .Config.Labels}}', 'slipway/api:ci'] },
    ],
    [
      logoutCommand('ghcr.io', CONFIG),
      { argv: ['docker', 'logout', 'ghcr.io'], env: { DOCKER_CONFIG: CONFIG } },
    ],
  ])('%j', (cmd, want) => {
    expect(cmd).toEqual(want);
  });

  it.each([
    ['/tmp/slipway-ghcr-push-Ab12', true],
    ['/runner/_temp/slipway-ghcr-push-x', true],
    ['/home/runner/.docker', false],
    ['slipway-ghcr-push-x', false],
    ['/tmp/../home/slipway-ghcr-push-x', false],
    ['', false],
  ])('isOwnConfigDir(%j) = %j', (dir, want) => {
    expect(isOwnConfigDir(dir)).toBe(want);
  });
});
