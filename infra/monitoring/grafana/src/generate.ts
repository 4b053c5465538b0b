// `npm run dashboards`: writes every dashboard of dashboards.ts to grafana/dashboards/<uid>.json and removes
// any JSON there that no dashboard produces any more. The files are committed; `npm run check` rebuilds them.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildAll } from './dashboards.js';

const outDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'dashboards');

function main(): void {
  fs.mkdirSync(outDir, { recursive: true });
  const written = new Set<string>();
  for (const dashboard of buildAll()) {
    const file = `${dashboard.uid}.json`;
    fs.writeFileSync(path.join(outDir, file), `${JSON.stringify(dashboard, null, 2)}\n`);
    written.add(file);
  }
  for (const stale of fs.readdirSync(outDir).filter((f) => f.endsWith('.json') && !written.has(f))) {
    fs.rmSync(path.join(outDir, stale));
  }
  console.log(`dashboards: wrote ${[...written].sort().join(', ')}`);
}

main();
