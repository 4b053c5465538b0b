/**
 * Contract every action keeps: action.yml is complete and runs on node24, every input it declares is read by
 * getInputs() and nothing else is, and the committed bundle runs under Node 20 and Node 24, failing a bad
 * input with exit code 1 and the documented error.
 */
import fs from 'node:fs';
import path from 'node:path';
import yaml from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { type InputSource, mapInputSource, recordingSource } from '../../actions/toolkit/src/index.js';
import { node24, runMain } from '../support/action-runner.js';

interface ActionYml {
  name?: string;
  description?: string;
  branding?: { icon?: string; color?: string };
  inputs?: Record<string, { description?: string; required?: boolean; default?: string }>;
  outputs?: Record<string, { description?: string }>;
  runs?: { using?: string; main?: string; post?: string };
}
interface Examples {
  valid: Record<string, string>;
  bad: { name: string; value: string; message: string };
}

const root = path.resolve(import.meta.dirname, '../..');
const actions = fs
  .readdirSync(path.join(root, 'actions'))
  .filter((n) => fs.existsSync(path.join(root, 'actions', n, 'action.yml')))
  .sort();

const load = (name: string) => ({
  yml: yaml.load(fs.readFileSync(path.join(root, 'actions', name, 'action.yml'), 'utf8')) as ActionYml,
  examples: JSON.parse(
    fs.readFileSync(path.join(root, 'actions', name, 'tests', 'example-inputs.json'), 'utf8'),
  ) as Examples,
});

it('finds the six actions', () => {
  expect(actions).toEqual(
    expect.arrayContaining([
      'compose-build',
      'eval-check',
      'ghcr-push',
      'hadolint-gate',
      'rollback',
      'ssh-deploy',
    ]),
  );
});

describe.each(actions)('action %s', (name) => {
  const { yml, examples } = load(name);

  it('declares name, description, branding, node24 and a described input and output list', () => {
    expect(yml.name).toBeTruthy();
    expect(yml.description).toBeTruthy();
    expect(yml.branding?.icon && yml.branding.color).toBeTruthy();
    expect(yml.runs?.using).toBe('node24');
    expect(yml.runs?.main).toBe('dist/index.js');
    for (const [input, spec] of Object.entries({ ...yml.inputs, ...yml.outputs })) {
      expect(spec.description, `${input} has a description`).toBeTruthy();
    }
    expect(Object.keys(yml.outputs ?? {}).length).toBeGreaterThan(0);
  });

  it('getInputs() reads exactly the inputs action.yml declares', async () => {
    const mod = (await import(/* @vite-ignore */ path.join(root, 'actions', name, 'src', 'inputs.ts'))) as {
      getInputs: (s: InputSource) => unknown;
      INPUT: Record<string, string>;
    };
    const declared = Object.keys(yml.inputs ?? {}).sort();
    expect(Object.values(mod.INPUT).sort()).toEqual(declared);
    const rec = recordingSource(mapInputSource(examples.valid));
    const cwd = process.cwd();
    process.chdir(root);
    try {
      mod.getInputs(rec.source);
    } finally {
      process.chdir(cwd);
    }
    expect([...rec.names].sort()).toEqual(declared);
    expect(Object.keys(examples.valid).sort()).toEqual(declared);
  });

  it.each([
    ['Node 20', process.execPath],
    ['Node 24', node24],
  ])(
    'its bundle fails a bad input with exit 1 and the documented error under %s',
    async (_label, nodeBin) => {
      const inputs = { ...examples.valid, [examples.bad.name]: examples.bad.value };
      const res = await runMain(name, inputs, { node: nodeBin, timeoutMs: 30_000 });
      expect(res.status).toBe(1);
      expect(res.stdout).toContain(`::error::${examples.bad.message}`);
    },
  );
});
