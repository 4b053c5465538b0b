/**
 * Pure: the tags an image gets from its commit. The release tag rule itself (the COMMIT's date in UTC, not the
 * time of the run) lives in the toolkit's build-metadata module, shared with compose-build.
 */
import { releaseTag, shortSha } from '../../toolkit/src/index.js';

export { eventCommitDate, shortSha, utcIso, utcTimestamp } from '../../toolkit/src/index.js';

export interface TagSet {
  /** `<YYYYMMDDHHmmss>-<sha7>`, the `tag` output. */
  primary: string;
  /** primary, `sha-<sha7>`, then the extra tags, without duplicates. */
  all: string[];
}

export function computeTags(commitDate: string, sha: string, extraTags: readonly string[] = []): TagSet {
  const primary = releaseTag({ commitDate, sha });
  const all = [...new Set([primary, `sha-${shortSha(sha)}`, ...extraTags])];
  return { primary, all };
}
