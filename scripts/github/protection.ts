/**
 * Pure planning for `protect-production`: the settings that make the `production` environment accept only
 * main, and the REST calls that bring an environment there from what GitHub reports now.
 */
export interface Reviewer {
  type: 'User' | 'Team';
  /** `login` or `org/slug`, as given on the command line. */
  name: string;
}

export interface ProtectionSettings {
  repo: { owner: string; repo: string };
  environment: string;
  /** The only branch allowed to deploy. */
  branch: string;
  reviewers: Reviewer[];
  preventSelfReview: boolean;
  waitTimer: number;
  dryRun: boolean;
}

export interface BranchPolicy {
  id: number;
  name: string;
  type: 'branch' | 'tag';
}

export interface EnvironmentBody {
  wait_timer: number;
  prevent_self_review: boolean;
  reviewers: { type: 'User' | 'Team'; id: number }[];
  deployment_branch_policy: { protected_branches: false; custom_branch_policies: true };
}

export interface ProtectionPlan {
  environment: EnvironmentBody;
  /** Branch patterns to add (the deploy branch, unless it is there). */
  create: { name: string; type: 'branch' }[];
  /** Every other branch or tag policy: each would let another ref deploy. */
  remove: BranchPolicy[];
}

export class UsageError extends Error {}

const USAGE = `Usage: scripts/github/protect-production.sh --repo OWNER/REPO [options]
  --environment NAME        environment to protect (default production)
  --branch NAME             the only branch allowed to deploy (default main)
  --reviewer user:LOGIN     a required reviewer (repeatable; or team:ORG/SLUG; at most 6)
  --prevent-self-review     the person who triggered a deploy cannot approve it
  --wait-timer MINUTES      delay before a deploy job starts (0-43200, default 0)
  --dry-run                 read the current settings and print the plan; change nothing
The token comes from GITHUB_TOKEN (repo admin: Administration write), the API from GITHUB_API_URL.`;

export function usage(): string {
  return USAGE;
}

const NAME = /^[A-Za-z0-9_.-]+$/;

/** Command-line arguments -> settings, or a UsageError naming the bad argument. */
export function parseArgs(argv: readonly string[]): ProtectionSettings {
  const s: ProtectionSettings = {
    repo: { owner: '', repo: '' },
    environment: 'production',
    branch: 'main',
    reviewers: [],
    preventSelfReview: false,
    waitTimer: 0,
    dryRun: false,
  };
  const value = (i: number, flag: string): string => {
    const v = argv[i + 1];
    if (v === undefined || v.startsWith('--')) throw new UsageError(`${flag} needs a value.`);
    return v;
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    switch (flag) {
      case '--repo': {
        const m = /^([A-Za-z0-9_.-]+)\/([A-Za-z0-9_.-]+)$/.exec(value(i, flag));
        if (!m) throw new UsageError(`--repo: expected OWNER/REPO, got '${argv[i + 1]}'.`);
        s.repo = { owner: m[1]!, repo: m[2]! };
        i++;
        break;
      }
      case '--environment':
      case '--branch': {
        const v = value(i, flag);
        if (!/^[A-Za-z0-9_./-]{1,255}$/.test(v) || v.includes('..'))
          throw new UsageError(`${flag}: expected a name of letters, digits, . _ / -, got '${v}'.`);
        if (flag === '--environment') s.environment = v;
        else s.branch = v;
        i++;
        break;
      }
      case '--reviewer': {
        const v = value(i, flag);
        const m = /^(user|team):(.+)$/.exec(v);
        const parts = m?.[2]?.split('/') ?? [];
        const ok =
          m &&
          (m[1] === 'user' ? parts.length === 1 : parts.length === 2) &&
          parts.every((p) => NAME.test(p));
        if (!ok) throw new UsageError(`--reviewer: expected user:LOGIN or team:ORG/SLUG, got '${v}'.`);
        s.reviewers.push({ type: m![1] === 'user' ? 'User' : 'Team', name: m![2]! });
        i++;
        break;
      }
      case '--prevent-self-review':
        s.preventSelfReview = true;
        break;
      case '--wait-timer': {
        const v = value(i, flag);
        if (!/^\d+$/.test(v) || Number(v) > 43200)
          throw new UsageError(`--wait-timer: expected whole minutes from 0 to 43200, got '${v}'.`);
        s.waitTimer = Number(v);
        i++;
        break;
      }
      case '--dry-run':
        s.dryRun = true;
        break;
      default:
        throw new UsageError(`unknown argument '${flag}'.`);
    }
  }
  if (!s.repo.owner) throw new UsageError('--repo OWNER/REPO is required.');
  if (s.reviewers.length > 6)
    throw new UsageError(`--reviewer: GitHub allows at most 6, got ${s.reviewers.length}.`);
  if (s.preventSelfReview && s.reviewers.length === 0)
    throw new UsageError('--prevent-self-review needs at least one --reviewer.');
  return s;
}

/** What to send, given the reviewers' ids and the environment's current branch policies. */
export function planProtection(
  s: ProtectionSettings,
  reviewerIds: readonly number[],
  currentPolicies: readonly BranchPolicy[],
): ProtectionPlan {
  const keep = (p: BranchPolicy) => p.type === 'branch' && p.name === s.branch;
  return {
    environment: {
      wait_timer: s.waitTimer,
      prevent_self_review: s.preventSelfReview,
      reviewers: s.reviewers.map((r, i) => ({ type: r.type, id: reviewerIds[i]! })),
      deployment_branch_policy: { protected_branches: false, custom_branch_policies: true },
    },
    create: currentPolicies.some(keep) ? [] : [{ name: s.branch, type: 'branch' }],
    remove: currentPolicies.filter((p) => !keep(p)),
  };
}

/** One line per change, for the log and for --dry-run. */
export function describePlan(s: ProtectionSettings, plan: ProtectionPlan): string[] {
  const where = `${s.repo.owner}/${s.repo.repo} environment '${s.environment}'`;
  const reviewers = s.reviewers.length
    ? `required reviewers ${s.reviewers.map((r) => `${r.type.toLowerCase()}:${r.name}`).join(', ')}${s.preventSelfReview ? ' (no self-review)' : ''}`
    : 'no required reviewers';
  return [
    `${where}: deployments from selected branches only; ${reviewers}; wait timer ${s.waitTimer} min`,
    ...plan.create.map((p) => `${where}: allow branch '${p.name}'`),
    ...plan.remove.map(
      (p) => `${where}: remove the ${p.type} policy '${p.name}' (it lets another ref deploy)`,
    ),
  ];
}
