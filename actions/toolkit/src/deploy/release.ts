/**
 * The release directory ssh-deploy uploads: compose.yaml, Caddyfile, images.json and release.json, packed
 * with the engine into one tar. Pure: settings and facts in, files out.
 */
import { createHash } from 'node:crypto';
import { RULES, matches } from '../rules.js';
import { runContext } from '../run-context.js';

export interface FileEntry {
  /** Relative path inside the archive, `/`-separated. */
  readonly path: string;
  readonly mode: number;
  readonly content: Buffer;
}

export interface RunFacts {
  gitSha: string;
  actor: string;
  runUrl: string;
  created: string;
}

/** The tag of the first image (`repo:tag@sha256:…`) when it is a valid release id, else a UTC timestamp. */
export function defaultReleaseId(images: Record<string, string>, now: Date): string {
  const first = Object.values(images)[0] ?? '';
  const name = first.split('@')[0] ?? '';
  const lastPart = name.split('/').pop() ?? '';
  const tag = lastPart.includes(':') ? lastPart.slice(lastPart.lastIndexOf(':') + 1) : '';
  if (tag && matches(RULES.releaseId, tag)) return tag;
  return now
    .toISOString()
    .replace(/[-:T]/g, '')
    .replace(/\.\d+Z$/, '');
}

/** Facts about this run for release.json, as the engine accepts them (unknown or empty when absent). */
export function runFacts(env: NodeJS.ProcessEnv, now: Date): RunFacts {
  const ctx = runContext(env);
  return {
    gitSha: ctx.sha ?? 'unknown',
    actor: ctx.actor ?? 'unknown',
    runUrl: ctx.runUrl ?? '',
    created: now.toISOString().replace(/\.\d+Z$/, 'Z'),
  };
}

export function releaseFiles(
  releaseId: string,
  images: Record<string, string>,
  compose: Buffer,
  caddyfile: Buffer,
  facts: RunFacts,
): FileEntry[] {
  const json = (v: unknown) => Buffer.from(`${JSON.stringify(v, null, 2)}\n`);
  const dir = `release`;
  return [
    { path: `${dir}/compose.yaml`, mode: 0o644, content: compose },
    { path: `${dir}/Caddyfile`, mode: 0o644, content: caddyfile },
    { path: `${dir}/images.json`, mode: 0o644, content: json(images) },
    { path: `${dir}/release.json`, mode: 0o644, content: json({ id: releaseId, ...facts }) },
  ];
}

/** Content digest of the engine files: the directory name it is installed under on the host. */
export function engineDigest(files: readonly FileEntry[]): string {
  const hash = createHash('sha256');
  for (const f of [...files].sort((a, b) => a.path.localeCompare(b.path))) {
    hash.update(`${f.path}\0${f.mode.toString(8)}\0${f.content.length}\0`);
    hash.update(f.content);
  }
  return hash.digest('hex').slice(0, 16);
}

/**
 * A POSIX ustar archive of regular files (directories are implied by paths). Deterministic: fixed mtime,
 * owner 0, so the same inputs give the same bytes.
 */
export function packTar(files: readonly FileEntry[]): Buffer {
  const blocks: Buffer[] = [];
  for (const f of files) {
    if (Buffer.byteLength(f.path) > 100 || f.path.startsWith('/') || f.path.split('/').includes('..'))
      throw new Error(`tar: unsupported path '${f.path}'`);
    const h = Buffer.alloc(512);
    const put = (value: string, offset: number, length: number) => h.write(value, offset, length, 'utf8');
    const octal = (n: number, length: number) => n.toString(8).padStart(length - 1, '0') + '\0';
    put(f.path, 0, 100);
    put(octal(f.mode & 0o7777, 8), 100, 8);
    put(octal(0, 8), 108, 8);
    put(octal(0, 8), 116, 8);
    put(octal(f.content.length, 12), 124, 12);
    put(octal(0, 12), 136, 12);
    put('        ', 148, 8);
    put('0', 156, 1);
    put('ustar\0', 257, 6);
    put('00', 263, 2);
    let sum = 0;
    for (const byte of h) sum += byte;
    put(sum.toString(8).padStart(6, '0') + '\0 ', 148, 8);
    blocks.push(h, f.content, Buffer.alloc((512 - (f.content.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}
