import { describe, expect, it } from 'vitest';
import type { ExecResult, Runner } from '../../toolkit/src/index.js';
import { parseInspect } from '../src/builder.js';
import {
  configCommand,
  meaningfulLine,
  parseComposeConfig,
  readCompose,
  validateCommand,
} from '../src/compose.js';

describe('compose commands', () => {
  it('passes every file in order', () => {
    expect(validateCommand(['a.yaml', 'b.yaml']).argv).toEqual([
      'docker',
      'compose',
      '-f',
      'a.yaml',
      '-f',
      'b.yaml',
      'config',
      '-q',
    ]);
    expect(configCommand(['a.yaml']).argv).toEqual([
      'docker',
      'compose',
      '-f',
      'a.yaml',
      'config',
      '--format',
      'json',
    ]);
  });
});

describe('parseComposeConfig', () => {
  it('keeps context, dockerfile and image; services without build have no context', () => {
    const json = JSON.stringify({
      name: 'slipway',
      services: {
        api: {
          build: { context: '/ws/service', dockerfile: '../docker/service.Dockerfile' },
          image: 'slipway/api:dev',
        },
        worker: { build: { context: '/ws/worker' } },
        postgres: { image: 'postgres:15-bookworm' },
      },
    });
    expect(parseComposeConfig(json)).toEqual({
      project: 'slipway',
      services: {
        api: { context: '/ws/service', dockerfile: '../docker/service.Dockerfile', image: 'slipway/api:dev' },
        worker: { context: '/ws/worker' },
        postgres: { image: 'postgres:15-bookworm' },
      },
    });
  });

  it('refuses output that is not JSON', () => {
    expect(() => parseComposeConfig('services:\n')).toThrow(/printed invalid JSON/);
  });
});

describe('readCompose', () => {
  const fake = (results: ExecResult[]): Runner & { argvs: string[][] } => {
    const argvs: string[][] = [];
    return {
      argvs,
      exec: (cmd) => {
        argvs.push([...cmd.argv]);
        return Promise.resolve(results.shift()!);
      },
    };
  };

  it('fails with compose’s own last line, names the file, and never reads the config', async () => {
    const runner = fake([
      {
        exitCode: 15,
        stdout: '',
        stderr:
          'validating /ws/docker/compose.yaml: services.api Additional property bogus is not allowed\n\n',
      },
    ]);
    await expect(readCompose(runner, ['docker/compose.yaml'])).rejects.toThrow(
      'Compose file docker/compose.yaml does not validate: validating /ws/docker/compose.yaml: services.api Additional property bogus is not allowed. Fix the file',
    );
    expect(runner.argvs).toHaveLength(1);
  });

  it('validates, then reads the merged config', async () => {
    const runner = fake([
      { exitCode: 0, stdout: '', stderr: '' },
      { exitCode: 0, stdout: '{"name":"p","services":{"a":{"build":{"context":"/x"}}}}', stderr: '' },
    ]);
    await expect(readCompose(runner, ['c.yaml'])).resolves.toEqual({
      project: 'p',
      services: { a: { context: '/x' } },
    });
  });

  it.each([
    [
      'warnings then the error',
      'WARN[0000] the attribute `version` is obsolete\nyaml: line 3: did not find expected key\n',
      'yaml: line 3: did not find expected key',
    ],
    ['only blank lines', '\n\n', ''],
  ])('meaningfulLine: %s', (_n, text, line) => {
    expect(meaningfulLine(text)).toBe(line);
  });
});

describe('parseInspect', () => {
  it.each([
    [
      'Name:          default\nDriver:        docker\n\nNodes:\nName:             default\n',
      { name: 'default', driver: 'docker' },
    ],
    ['Name:   builder-1\nDriver: docker-container\n', { name: 'builder-1', driver: 'docker-container' }],
    [
      'Name:          slipway-buildkit\nDriver:        remote\n',
      { name: 'slipway-buildkit', driver: 'remote' },
    ],
  ])('%j', (text, facts) => {
    expect(parseInspect(text)).toEqual(facts);
  });
});
