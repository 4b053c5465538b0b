// Bundles every action (actions/<name>/src/index.ts -> actions/<name>/dist/index.js) with @vercel/ncc.
// Output is deterministic: no timestamps, no absolute paths, no source maps; the license file is generated too.
// Usage: node scripts/build/bundle.mjs [action-name ...]   (default: every folder with an action.yml)
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ncc from '@vercel/ncc';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export function actionNames() {
  const dir = path.join(root, 'actions');
  return fs
    .readdirSync(dir)
    .filter((name) => fs.existsSync(path.join(dir, name, 'action.yml')))
    .sort();
}

async function bundle(name) {
  const actionDir = path.join(root, 'actions', name);
  const entry = path.join(actionDir, 'src', 'index.ts');
  const started = Date.now();
  const { code, assets } = await ncc(entry, {
    minify: false,
    sourceMap: false,
    license: 'licenses.txt',
    quiet: true,
    target: 'es2022',
  });
  const out = path.join(actionDir, 'dist');
  fs.rmSync(out, { recursive: true, force: true });
  fs.mkdirSync(out, { recursive: true });
  fs.writeFileSync(path.join(out, 'index.js'), code);
  for (const [file, asset] of Object.entries(assets ?? {})) {
    if (file.endsWith('.d.ts') || file === 'package.json') continue;
    const target = path.join(out, file);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, asset.source);
  }
  if (code.includes(root)) throw new Error(`${name}: bundle contains an absolute path of this machine`);
  console.log(`bundle: ${name} ${(code.length / 1024).toFixed(0)} KiB in ${Date.now() - started} ms`);
}

const wanted = process.argv.slice(2);
const names = wanted.length ? wanted : actionNames();
for (const name of names) {
  await bundle(name);
}
