/**
 * A scratch clone of this checkout for act to run: HEAD plus the checkout's uncommitted changes (committed in
 * the clone), on a branch called main, so the story's commits (a PR, a merge, a bad merge) are made there and
 * never in the developer's checkout. Objects are shared with the source repository (`git clone --shared`).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export interface ScratchRepo {
  dir: string;
  git(...args: string[]): string;
  /** Commits what changed (or nothing, `--allow-empty`) and returns the new HEAD. */
  commit(message: string): string;
}

const identity = {
  GIT_AUTHOR_NAME: 'Slipway rehearsal',
  GIT_AUTHOR_EMAIL: 'rehearsal@slipway.invalid',
  GIT_COMMITTER_NAME: 'Slipway rehearsal',
  GIT_COMMITTER_EMAIL: 'rehearsal@slipway.invalid',
};

export function scratchRepo(source: string, dir: string): ScratchRepo {
  const git = (...args: string[]) =>
    execFileSync('git', ['-C', dir, ...args], {
      encoding: 'utf8',
      env: { ...process.env, ...identity },
    }).trim();
  fs.mkdirSync(path.dirname(dir), { recursive: true });
  execFileSync('git', ['clone', '--quiet', '--shared', source, dir]);
  git('checkout', '--quiet', '-B', 'main');
  const listed = execFileSync('git', ['-C', source, 'ls-files', '-z', '-c', '-o', '--exclude-standard'], {
    encoding: 'utf8',
  });
  for (const rel of listed.split('\0').filter(Boolean)) {
    const from = path.join(source, rel);
    if (!fs.existsSync(from)) continue;
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.cpSync(from, path.join(dir, rel), { dereference: false });
  }
  const deleted = execFileSync('git', ['-C', source, 'ls-files', '-z', '-d'], { encoding: 'utf8' });
  for (const rel of deleted.split('\0').filter(Boolean)) fs.rmSync(path.join(dir, rel), { force: true });
  const commit = (message: string) => {
    git('add', '-A');
    git('commit', '--quiet', '--allow-empty', '-m', message);
    return git('rev-parse', 'HEAD');
  };
  git('add', '-A');
  if (git('status', '--porcelain')) commit('rehearsal: the uncommitted changes of the checkout');
  return { dir, git, commit };
}

/** A push to main as GitHub's payload describes it (act takes GITHUB_SHA and the ref from it). */
export function pushPayload(
  repo: ScratchRepo,
  before: string,
  after: string,
  repository: string,
  actor: string,
) {
  return {
    ref: 'refs/heads/main',
    before,
    after,
    deleted: false,
    head_commit: {
      id: after,
      timestamp: repo.git('log', '-1', '--format=%cI', after),
      message: repo.git('log', '-1', '--format=%s', after),
    },
    repository: { full_name: repository, default_branch: 'main' },
    pusher: { name: actor },
  };
}
