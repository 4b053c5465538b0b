// Stand-in for github/codeql-action/upload-sarif under act: see action.yml for what it does and does not do.
/* global fetch */
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';

const input = (name) => (process.env[`INPUT_${name.toUpperCase()}`] ?? '').trim();
const fail = (message) => {
  process.stdout.write(`::error::upload-sarif stand-in: ${message}\n`);
  process.exit(1);
};

const file = path.resolve(process.env.GITHUB_WORKSPACE ?? '.', input('sarif_file'));
if (!fs.existsSync(file) || !fs.statSync(file).isFile()) fail(`Path does not exist: ${input('sarif_file')}`);
let sarif;
try {
  sarif = JSON.parse(fs.readFileSync(file, 'utf8'));
} catch (err) {
  fail(`${input('sarif_file')} is not JSON: ${err.message}`);
}
if (sarif?.version !== '2.1.0' || !Array.isArray(sarif.runs))
  fail(`${input('sarif_file')} is not a SARIF 2.1.0 log.`);
const category = input('category');
if (category)
  for (const run of sarif.runs) run.automationDetails = { id: `${category.replace(/\/?$/, '/')}` };

const api = process.env.GITHUB_API_URL;
const repo = process.env.GITHUB_REPOSITORY;
const res = await fetch(`${api}/repos/${repo}/code-scanning/sarifs`, {
  method: 'POST',
  headers: {
    authorization: `token ${input('token')}`,
    accept: 'application/vnd.github+json',
    'content-type': 'application/json',
  },
  body: JSON.stringify({
    commit_sha: process.env.GITHUB_SHA,
    ref: process.env.GITHUB_REF,
    sarif: zlib.gzipSync(JSON.stringify(sarif)).toString('base64'),
    tool_name: sarif.runs[0]?.tool?.driver?.name,
  }),
});
const body = await res.json().catch(() => ({}));
if (res.status !== 202)
  fail(`POST /repos/${repo}/code-scanning/sarifs answered ${res.status}: ${body.message ?? ''}`);
fs.appendFileSync(process.env.GITHUB_OUTPUT, `sarif-id=${body.id}\n`);
process.stdout.write(`Uploaded ${input('sarif_file')} (${sarif.runs.length} run(s)) as ${body.id}.\n`);
