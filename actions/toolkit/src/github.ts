import { getOctokit } from '@actions/github';
import { ActionError, shown } from './errors.js';
import { RULES, matches } from './rules.js';

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
  if (!matches(RULES.githubRepository, full))
    throw new ActionError(
      `GITHUB_REPOSITORY must be 'owner/repo', got ${shown(full)}. Run inside a GitHub workflow or set it.`,
    );
  const [owner, repo] = full.split('/') as [string, string];
  return { owner, repo };
}
