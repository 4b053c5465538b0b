/**
 * The engine files uploaded with every deploy: infra/deploy-engine of the checkout this action runs from
 * (dist/ and src/ are both three levels below the repository root).
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FileEntry } from '../../toolkit/src/deploy/release.js';

const ENGINE_PARTS = ['infra', 'deploy-engine'];

export function engineRoot(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  return path.resolve(here, '..', '..', '..', ...ENGINE_PARTS);
}

/** bin/slipway and lib/*.sh as archive entries under engine/. */
export function engineFiles(root = engineRoot()): FileEntry[] {
  const entries: FileEntry[] = [];
  for (const sub of ['bin', 'lib']) {
    const dir = path.join(root, sub);
    for (const name of fs.readdirSync(dir).sort()) {
      const file = path.join(dir, name);
      const executable = (fs.statSync(file).mode & 0o111) !== 0;
      entries.push({
        path: `engine/${sub}/${name}`,
        mode: executable ? 0o755 : 0o644,
        content: fs.readFileSync(file),
      });
    }
  }
  if (!entries.some((e) => e.path === 'engine/bin/slipway'))
    throw new Error(`deploy engine not found under ${root}`);
  return entries;
}
