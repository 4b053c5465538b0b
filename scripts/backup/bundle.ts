/**
 * The backup tools as a host gets them: backup-db.sh, restore-db.sh, their lib/ and sql/, and the deploy
 * engine they source (its lock and helpers) and call (`slipway record-backup`), at their repository paths,
 * so infra/scripts/backup-db.sh finds ../deploy-engine wherever the bundle is unpacked. One list, used by
 * whatever installs them (role backup, setup-vps.sh, the drills). Deterministic: the same tree packs to the
 * same bytes (the toolkit's packTar).
 * Usage: node --import tsx scripts/backup/bundle.ts --out FILE.tar
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { type FileEntry, packTar } from '../../actions/toolkit/src/deploy/release.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Directories taken whole (their files, not subdirectories) and single files, relative to the repository. */
export const BUNDLE_DIRS = [
  'infra/deploy-engine/bin',
  'infra/deploy-engine/lib',
  'infra/scripts/backup/lib',
  'infra/scripts/backup/sql',
];
export const BUNDLE_FILES = ['infra/scripts/backup-db.sh', 'infra/scripts/restore-db.sh'];
/** The two commands an operator types, relative to where the bundle is unpacked. */
export const BACKUP_COMMAND = 'infra/scripts/backup-db.sh';
export const RESTORE_COMMAND = 'infra/scripts/restore-db.sh';

export function bundleEntries(repo = root): FileEntry[] {
  const entry = (rel: string): FileEntry => {
    const file = path.join(repo, rel);
    return {
      path: rel,
      mode: (fs.statSync(file).mode & 0o111) !== 0 ? 0o755 : 0o644,
      content: fs.readFileSync(file),
    };
  };
  const files = [...BUNDLE_FILES];
  for (const dir of BUNDLE_DIRS) {
    for (const name of fs.readdirSync(path.join(repo, dir)).sort()) {
      if (fs.statSync(path.join(repo, dir, name)).isFile()) files.push(`${dir}/${name}`);
    }
  }
  return files.sort().map(entry);
}

export function packBundle(repo = root): Buffer {
  return packTar(bundleEntries(repo));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const { values } = parseArgs({ options: { out: { type: 'string' } } });
  if (!values.out) {
    console.error('Usage: node --import tsx scripts/backup/bundle.ts --out FILE.tar');
    process.exit(2);
  }
  fs.writeFileSync(values.out, packBundle());
}
