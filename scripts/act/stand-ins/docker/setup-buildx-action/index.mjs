// Stand-in for docker/setup-buildx-action under act: see action.yml for what it does and does not do.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';

const res = spawnSync('docker', ['buildx', 'inspect'], { encoding: 'utf8', timeout: 60_000 });
if (res.status !== 0) {
  const why = (res.stderr || res.error?.message || '').trim().split('\n').pop();
  process.stdout.write(
    `::error::setup-buildx stand-in: \`docker buildx inspect\` failed (${why}). Start the Docker engine with buildx (scripts/sandbox/up).\n`,
  );
  process.exit(1);
}
const field = (name) => new RegExp(`^${name}:\\s*(.+)$`, 'm').exec(res.stdout)?.[1]?.trim() ?? '';
const name = field('Name');
const driver = field('Driver');
fs.appendFileSync(process.env.GITHUB_OUTPUT, `name=${name}\ndriver=${driver}\n`);
process.stdout.write(`Using the engine's builder '${name}' (driver ${driver}); no builder was created.\n`);
