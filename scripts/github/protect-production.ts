/**
 * Protects the production environment through GitHub's REST API (the toolkit's client, so GITHUB_API_URL is
 * honoured): deployments only from main (a custom branch policy, every other branch or tag policy removed),
 * optional required reviewers, an optional wait timer. Reviewers are looked up before anything is written, so a
 * bad name changes nothing. `--dry-run` only reads. Usage: see protection.ts or `--help`.
 */
import { createGitHubClient } from '../../actions/toolkit/src/index.js';
import {
  type BranchPolicy,
  type ProtectionSettings,
  UsageError,
  describePlan,
  parseArgs,
  planProtection,
  usage,
} from './protection.js';

type Client = ReturnType<typeof createGitHubClient>;

const status = (err: unknown) => (err as { status?: number }).status;

async function reviewerIds(client: Client, s: ProtectionSettings): Promise<number[]> {
  const ids: number[] = [];
  for (const r of s.reviewers) {
    try {
      if (r.type === 'User') ids.push((await client.rest.users.getByUsername({ username: r.name })).data.id);
      else {
        const [org, slug] = r.name.split('/') as [string, string];
        ids.push((await client.rest.teams.getByName({ org, team_slug: slug })).data.id);
      }
    } catch (err) {
      if (status(err) === 404)
        throw new UsageError(
          `--reviewer ${r.type.toLowerCase()}:${r.name}: no such ${r.type.toLowerCase()}. Nothing was changed.`,
        );
      throw err;
    }
  }
  return ids;
}

/** The environment's branch policies, or none when it does not exist or allows every branch. */
async function currentPolicies(client: Client, s: ProtectionSettings): Promise<BranchPolicy[]> {
  const where = { ...s.repo, environment_name: s.environment };
  try {
    const env = await client.rest.repos.getEnvironment(where);
    if (!env.data.deployment_branch_policy?.custom_branch_policies) return [];
  } catch (err) {
    if (status(err) === 404) return [];
    throw err;
  }
  const res = await client.rest.repos.listDeploymentBranchPolicies({ ...where, per_page: 100 });
  return res.data.branch_policies.map((p) => ({
    id: p.id!,
    name: p.name!,
    type: (p as { type?: 'branch' | 'tag' }).type ?? 'branch',
  }));
}

export async function protect(s: ProtectionSettings, env: NodeJS.ProcessEnv, log: (line: string) => void) {
  const token = env.GITHUB_TOKEN ?? '';
  if (!token)
    throw new UsageError(
      'GITHUB_TOKEN is not set: export a token with Administration write on the repository.',
    );
  const client = createGitHubClient(token, env);
  const ids = await reviewerIds(client, s);
  const before = await currentPolicies(client, s);
  if (s.dryRun) {
    describePlan(s, planProtection(s, ids, before)).forEach((l) => log(`would: ${l}`));
    return;
  }
  const where = { ...s.repo, environment_name: s.environment };
  const body = planProtection(s, ids, before).environment;
  await client.rest.repos.createOrUpdateEnvironment({ ...where, ...body });
  // Turning custom branch policies on may have dropped the old ones: plan the policies from what is there now.
  const plan = planProtection(s, ids, await currentPolicies(client, s));
  for (const p of plan.create) await client.rest.repos.createDeploymentBranchPolicy({ ...where, ...p });
  for (const p of plan.remove)
    await client.rest.repos.deleteDeploymentBranchPolicy({ ...where, branch_policy_id: p.id });
  describePlan(s, plan).forEach((l) => log(`done: ${l}`));
}

async function main(argv: string[]): Promise<number> {
  if (argv.includes('-h') || argv.includes('--help')) {
    process.stdout.write(`${usage()}\n`);
    return 0;
  }
  try {
    await protect(parseArgs(argv), process.env, (l) => process.stdout.write(`protect-production: ${l}\n`));
    return 0;
  } catch (err) {
    const message = err instanceof UsageError ? `${err.message}\n${usage()}` : (err as Error).message;
    process.stderr.write(`protect-production: error: ${message}\n`);
    return err instanceof UsageError ? 2 : 1;
  }
}

if (import.meta.url === `file://${process.argv[1]}`) process.exitCode = await main(process.argv.slice(2));
