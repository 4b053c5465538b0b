import { getOctokit } from '@actions/github';
import { ActionError } from './errors.js';

export type GitHubClient = ReturnType<typeof getOctokit>;

export interface RepoRef {
  owner: string;
  repo: string;
}

/**
 * The one place a GitHub API client is made. It honours GITHUB_API_URL (GitHub Enterprise, and the local
 * REST stand-in used by the tests), so production and tests go through the same code.
 */
export function createGitHubClient(token: string, env: NodeJS.ProcessEnv = process.env): GitHubClient {
  if (!token)
    throw new ActionError('GitHub API: no token. Pass `github-token` (defaults to `${{ github.token }}`).');
  return getOctokit(token, { baseUrl: env.GITHUB_API_URL || 'https://api.github.com' });
}

/** owner/repo from GITHUB_REPOSITORY, validated. */
export function repoFromEnv(env: NodeJS.ProcessEnv = process.env): RepoRef {
  const full = env.GITHUB_REPOSITORY ?? '';
  const match = /^([A-Za-z0-9_.-]+)\/([A-Za-z0-9_.-]+)$/.exec(full);
  if (!match)
    throw new ActionError(
      `GITHUB_REPOSITORY must be 'owner/repo', got '${full}'. Run inside a GitHub workflow or set it.`,
    );
  return { owner: match[1]!, repo: match[2]! };
}
