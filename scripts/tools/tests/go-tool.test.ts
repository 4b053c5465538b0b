// scripts/tools/go-tool refuses what it cannot vouch for: a module whose hash differs from the recorded one is
// never built or cached, and an unknown tool name fails naming the known ones. Runs the real script against a
// copy of the real table and a scratch cache; GOPROXY=off keeps it offline (scripts/setup.sh has already put
// actionlint's module in the Go module cache on every machine that runs the tests).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

const toolsDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const goTool = path.join(toolsDir, 'go-tool');
const realTable = readFileSync(path.join(toolsDir, 'go-tools.tsv'), 'utf8');

/** The real table's row for NAME, as its columns. */
function row(name: string): string[] {
  const line = realTable.split('\n').find((l) => l.split('\t')[0] === name);
  if (line === undefined) throw new Error(`go-tools.tsv has no row for ${name}`);
  return line.split('\t');
}

let scratch: string;
let cache: string;
let table: string;

function goToolRun(...args: string[]) {
  const result = spawnSync(goTool, args, {
    encoding: 'utf8',
    env: { ...process.env, SLIPWAY_TOOLS_CACHE: cache, SLIPWAY_GO_TOOLS_TABLE: table, GOPROXY: 'off' },
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

beforeEach(() => {
  scratch = mkdtempSync(path.join(os.tmpdir(), 'tf-go-tool-'));
  cache = path.join(scratch, 'cache');
  table = path.join(scratch, 'tools.tsv');
});
afterEach(() => rmSync(scratch, { recursive: true, force: true }));

describe('go-tool', () => {
  it('refuses a module whose hash differs from the recorded one, and builds and caches nothing', () => {
    const [name, module, version, hash, pkg] = row('actionlint');
    const wrong = 'h1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=';
    expect(wrong).not.toBe(hash);
    writeFileSync(table, `${[name, module, version, wrong, pkg].join('\t')}\n`);

    const run = goToolRun('path', name!);

    expect(run.status).toBe(1);
    expect(run.stderr).toContain(
      `go-tool: error: ${module}@${version} has hash '${hash}', but tools.tsv records '${wrong}'. Refusing to build it.`,
    );
    expect(run.stdout).toBe('');
    // The hash it reports is the real one: the module was fetched and hashed, and refused for that reason.
    // Only the lock and the download log remain: no tool directory, no binary, no hash stamp, no build tree.
    expect(readdirSync(cache).sort()).toEqual(['.lock', `${name}-${version}.log`]);
    expect(goToolRun('list').stdout).toBe(`${name}\t${version}\tnot built\n`);
  });

  it.each([
    ['install', 'no-such-tool'],
    ['path', 'no-such-tool'],
  ])('%s of an unknown tool fails naming the known tools', (command, tool) => {
    writeFileSync(table, `${row('tofu').join('\t')}\n${row('tflint').join('\t')}\n`);
    const run = goToolRun(command, tool);
    expect(run.status).toBe(1);
    expect(run.stderr).toBe(
      `go-tool: error: unknown tool '${tool}'. Known: tofu tflint. A new tool needs a row in tools.tsv.\n`,
    );
    expect(readdirSync(scratch)).toEqual(['tools.tsv']);
  });

  it('fails clearly when the table cannot be read', () => {
    const run = goToolRun('list');
    expect(run.status).toBe(1);
    expect(run.stderr).toBe(
      `go-tool: error: the tool table '${table}' is not readable (SLIPWAY_GO_TOOLS_TABLE overrides it).\n`,
    );
  });
});
