import fs from 'node:fs';
import path from 'node:path';
import yaml from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { PINS } from '../../../workflows-src/pins.js';
import {
  STAND_INS,
  actArgv,
  dotenv,
  jobResults,
  pinRepository,
  repoRoot,
  runnerPath,
  standInMappings,
  workflowJobs,
} from '../act.js';

const files = {
  event: '/s/event.json',
  vars: '/s/vars.env',
  secrets: '/s/secrets.env',
  env: '/s/env.env',
  input: '/s/inputs.env',
  actionCache: '/s/action-cache',
  cacheServer: '/c',
  artifacts: '/s/artifacts',
};
const run = {
  workdir: '/w',
  workflow: '.github/workflows/cd.yml',
  event: 'push' as const,
  payload: {},
  actor: 'octo',
  stateDir: '/s',
  cacheServerDir: '/c',
  artifactPort: 18280,
  logFile: '/s/log',
};

describe('actArgv', () => {
  it('runs on the host, maps stand-ins, reads settings from files and nothing secret from argv', () => {
    const argv = actArgv({ ...run, secrets: { VPS_SSH_KEY: 'PRIVATE' } }, files, ['a/b@123=/x']);
    expect(argv.slice(0, 9)).toEqual([
      'push',
      '-C',
      '/w',
      '-W',
      '.github/workflows/cd.yml',
      '-e',
      '/s/event.json',
      '-P',
      'ubuntu-24.04=-self-hosted',
    ]);
    expect(argv).toEqual(
      expect.arrayContaining(['--secret-file', '/s/secrets.env', '--var-file', '/s/vars.env']),
    );
    expect(argv.slice(-2)).toEqual(['--local-repository', 'a/b@123=/x']);
    expect(argv[argv.indexOf('--concurrent-jobs') + 1]).toBe('1');
    expect(argv[argv.indexOf('--artifact-server-addr') + 1]).toBe('127.0.0.1');
    expect(argv.join(' ')).not.toContain('PRIVATE');
  });
});

describe('dotenv', () => {
  it('keeps values raw in single quotes, newlines included', () => {
    expect(dotenv({ A: 'x $HOME', KEY: 'line1\nline2' })).toBe("A='x $HOME'\nKEY='line1\nline2'\n");
  });
  it.each([
    [{ 'BAD-NAME': 'x' }, "act: 'BAD-NAME' is not a variable name."],
    [{ P: "it's" }, 'act: the value of P holds a single quote'],
  ])('refuses %j', (values, message) => {
    expect(() => dotenv(values)).toThrow(message);
  });
});

describe('jobResults', () => {
  const line = (o: object) => JSON.stringify(o);
  it('reads each job result; jobs without one did not run', () => {
    const lines = [
      line({ jobID: 'lint', msg: '⭐ Run Main' }),
      line({ jobID: 'lint', jobResult: 'success', msg: '🏁  Job succeeded' }),
      line({ jobID: 'dockerfiles', jobResult: 'failure', msg: '🏁  Job failed' }),
      'not json',
    ];
    expect(jobResults(lines, ['ci/lint', 'gate/dockerfiles', 'deploy'])).toEqual([
      { name: 'ci/lint', ok: true, result: 'success' },
      { name: 'gate/dockerfiles', ok: false, result: 'failure' },
      { name: 'deploy', ok: false, result: 'skipped' },
    ]);
  });
});

describe('workflowJobs', () => {
  it("names a called workflow's jobs after the calling job", () => {
    expect(workflowJobs(repoRoot, '.github/workflows/cd.yml')).toEqual([
      'ci/lint',
      'ci/typecheck',
      'ci/unit',
      'ci/generated',
      'gate/dockerfiles',
      'gate/build',
      'gate/eval',
      'build-push',
      'deploy',
      'smoke',
      'baseline',
    ]);
  });
});

describe('runnerPath', () => {
  it("drops node_modules folders, which would put npm's Node first", () => {
    expect(
      runnerPath(['/r/node_modules/.bin', '/usr/local/bin', '/r/node_modules/x/bin', '/usr/bin'].join(':')),
    ).toBe('/usr/local/bin:/usr/bin');
  });
});

describe('stand-ins', () => {
  const used = new Set<string>();
  for (const f of fs.readdirSync(path.join(repoRoot, '.github', 'workflows'))) {
    const text = fs.readFileSync(path.join(repoRoot, '.github', 'workflows', f), 'utf8');
    for (const m of text.matchAll(/uses: ([\w.-]+\/[\w./-]+)@([0-9a-f]{40})/g)) used.add(`${m[1]}@${m[2]}`);
  }
  const mapped = standInMappings().map((m) => m.split('=')[0]);

  it.each([...used].sort())('%s has a stand-in for its exact pin, or is act’s own checkout', (ref) => {
    const [repo, sha] = ref.split('@') as [string, string];
    const owner = repo.split('/').slice(0, 2).join('/');
    if (owner === 'actions/checkout') return; // act copies the checkout itself
    expect(mapped).toContain(`${owner}@${sha}`);
    const sub = repo.split('/').slice(2);
    const actionYml = path.join(STAND_INS, ...owner.split('/'), ...sub, 'action.yml');
    const doc = fs.readFileSync(actionYml, 'utf8');
    const pin = Object.values(PINS).find((p) => p.repo === repo)!;
    expect(doc).toContain(`${repo}@${pin.sha} (${pin.version})`);
    expect((yaml.load(doc) as { description?: string }).description).toMatch(/Does not|does not/);
  });

  it('every stand-in stands for a pin of workflows-src/pins.ts', () => {
    const pinned = new Set(Object.values(PINS).map(pinRepository));
    for (const owner of fs.readdirSync(STAND_INS)) {
      for (const name of fs.readdirSync(path.join(STAND_INS, owner)))
        expect(pinned).toContain(`${owner}/${name}`);
    }
  });
});
