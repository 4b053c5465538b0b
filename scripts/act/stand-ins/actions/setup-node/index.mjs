// Stand-in for actions/setup-node under act: see action.yml for what it does and does not do.
import fs from 'node:fs';
import path from 'node:path';

const input = (name) => (process.env[`INPUT_${name.toUpperCase()}`] ?? '').trim();
const fail = (message) => {
  process.stdout.write(`::error::setup-node stand-in: ${message}\n`);
  process.exit(1);
};

let wanted = input('node-version');
const file = input('node-version-file');
if (!wanted && file) {
  const where = path.resolve(process.env.GITHUB_WORKSPACE ?? '.', file);
  if (!fs.existsSync(where)) fail(`node-version-file '${file}' does not exist in the workspace.`);
  wanted = fs.readFileSync(where, 'utf8').trim().replace(/^v/, '');
}
const have = process.version.replace(/^v/, '');
if (wanted && wanted.split('.')[0] !== have.split('.')[0]) {
  fail(
    `the host runs Node.js ${have}, but ${file || 'node-version'} asks for ${wanted}. Install Node.js ${wanted.split('.')[0]} on the runner host.`,
  );
}
fs.appendFileSync(process.env.GITHUB_OUTPUT, `node-version=v${have}\n`);
process.stdout.write(`Using the host's Node.js v${have}${wanted ? ` for ${wanted}` : ''}.\n`);
