import type { GitHubClient, RepoRef } from './github.js';

export interface StickyComment extends RepoRef {
  issueNumber: number;
  /** Identifies the comment among the others on the PR, e.g. `eval-check`. */
  marker: string;
  body: string;
}

export interface StickyResult {
  action: 'created' | 'updated';
  id: number;
  url: string;
}

/** The hidden first line that makes a comment findable again. */
export function markerLine(marker: string): string {
  if (!/^[a-z0-9][a-z0-9-]*$/.test(marker)) throw new Error(`sticky comment: invalid marker '${marker}'`);
  return `<!-- slipway:${marker} -->`;
}

/**
 * One comment per PR and marker: finds the comment carrying the marker and updates it, else creates it.
 * Created once, updated on every run, never duplicated.
 */
export async function upsertStickyComment(client: GitHubClient, c: StickyComment): Promise<StickyResult> {
  const marker = markerLine(c.marker);
  const body = `${marker}\n${c.body}`;
  const comments = await client.paginate(client.rest.issues.listComments, {
    owner: c.owner,
    repo: c.repo,
    issue_number: c.issueNumber,
    per_page: 100,
  });
  const existing = comments.find((comment) => comment.body?.startsWith(marker));
  if (existing) {
    const res = await client.rest.issues.updateComment({
      owner: c.owner,
      repo: c.repo,
      comment_id: existing.id,
      body,
    });
    return { action: 'updated', id: res.data.id, url: res.data.html_url };
  }
  const res = await client.rest.issues.createComment({
    owner: c.owner,
    repo: c.repo,
    issue_number: c.issueNumber,
    body,
  });
  return { action: 'created', id: res.data.id, url: res.data.html_url };
}
