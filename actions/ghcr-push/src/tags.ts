/**
 * Pure: the tags an image gets from its commit. The timestamp is the COMMIT's date in UTC, not the time of
 * the run, so re-running the same commit yields the same tag and tags sort in commit order.
 */
import { RULES, matches, shown } from '../../toolkit/src/index.js';

/** `git log -1 --format=%cI` (strict ISO 8601) and GitHub's `head_commit.timestamp`. */
const ISO = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

export interface TagSet {
  /** `<YYYYMMDDHHmmss>-<sha7>`, the `tag` output. */
  primary: string;
  /** primary, `sha-<sha7>`, then the extra tags, without duplicates. */
  all: string[];
}

/** `2024-03-01T01:30:05+02:00` -> `20240229233005` (UTC). */
export function utcTimestamp(commitDate: string): string {
  const m = ISO.exec(commitDate.trim());
  if (!m)
    throw new Error(
      `expected an ISO 8601 commit date like 2024-03-01T12:00:00+02:00, got ${shown(commitDate)}`,
    );
  const ms = Date.parse(commitDate.trim());
  if (Number.isNaN(ms)) throw new Error(`${shown(commitDate)} is not a valid date`);
  const iso = new Date(Math.floor(ms / 1000) * 1000).toISOString();
  return iso.slice(0, 19).replace(/[-T:]/g, '');
}

/** The commit date as RFC 3339 in UTC (the `org.opencontainers.image.created` label). */
export function utcIso(commitDate: string): string {
  const ts = utcTimestamp(commitDate);
  return `${ts.slice(0, 4)}-${ts.slice(4, 6)}-${ts.slice(6, 8)}T${ts.slice(8, 10)}:${ts.slice(10, 12)}:${ts.slice(12, 14)}Z`;
}

export function shortSha(sha: string): string {
  if (!matches(RULES.commitSha, sha))
    throw new Error(`expected a full lower-case commit SHA, got ${shown(sha)}`);
  return sha.slice(0, 7);
}

export function computeTags(commitDate: string, sha: string, extraTags: readonly string[] = []): TagSet {
  const sha7 = shortSha(sha);
  const primary = `${utcTimestamp(commitDate)}-${sha7}`;
  const all = [...new Set([primary, `sha-${sha7}`, ...extraTags])];
  return { primary, all };
}

/**
 * The commit date from the event payload, when the payload describes this very commit (push events carry
 * `head_commit`; pull_request events do not, and their GITHUB_SHA is a merge commit).
 */
export function eventCommitDate(payload: unknown, sha: string): string | undefined {
  if (payload === null || typeof payload !== 'object') return undefined;
  const head = (payload as { head_commit?: { id?: unknown; timestamp?: unknown } }).head_commit;
  if (head && head.id === sha && typeof head.timestamp === 'string') return head.timestamp;
  return undefined;
}
