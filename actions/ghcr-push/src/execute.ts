/** The side effects of a push, all through the Runner seam: gather facts, log in, build or tag, push, verify. */
import * as core from '@actions/core';
import {
  ActionError,
  type Command,
  CommandError,
  type Runner,
  lastLine,
  readCommitDate,
  runContext,
  shown,
  sourceUrlFromEnv,
} from '../../toolkit/src/index.js';
import { parsePushDigest, repoDigestsContain } from './digests.js';
import { type ErrorContext, type Step, classify } from './errors.js';
import type { Settings } from './inputs.js';
import { type Facts, type Plan, inspectLabelsCommand } from './plan.js';
import type { PushResult } from './report.js';

/** Runs `cmd`; a non-zero exit becomes the classified message (plus the last stderr line) or a CommandError. */
async function step(runner: Runner, kind: Step, cmd: Command, ctx: ErrorContext): Promise<string> {
  const result = await runner.exec(cmd);
  if (result.exitCode === 0) return result.stdout;
  core.debug(`stdout of failed command:\n${result.stdout}`);
  core.debug(`stderr of failed command:\n${result.stderr}`);
  const message = classify(kind, result.stderr, ctx);
  if (message) throw new ActionError(`${message} (${lastLine(result.stderr || result.stdout)})`);
  throw new CommandError(cmd, result);
}

export async function gatherFacts(
  runner: Runner,
  settings: Settings,
  env: NodeJS.ProcessEnv,
): Promise<Omit<Facts, 'dockerConfig'>> {
  const run = runContext({ ...env, GITHUB_SHA: (env.GITHUB_SHA ?? '').toLowerCase() });
  const sha = run.sha;
  if (!sha)
    throw new ActionError(
      `ghcr-push: GITHUB_SHA must be a full commit SHA, got ${shown(env.GITHUB_SHA ?? '')}. Run inside a GitHub workflow.`,
    );
  const ctx: ErrorContext = { registry: settings.registry, repository: settings.repository, sha };
  const commitDate = await commitDateOf(runner, env, sha, ctx);
  const localLabels: Record<string, Record<string, string>> = {};
  for (const [service, image] of Object.entries(settings.images)) {
    const out = await step(runner, 'inspect', inspectLabelsCommand(image), { ...ctx, service, image });
    localLabels[service] = (JSON.parse(out.trim() || 'null') as Record<string, string> | null) ?? {};
  }
  return { sha, commitDate, sourceUrl: sourceUrlFromEnv(env), localLabels };
}

/** The commit date (workspace first, then the event payload); a clear message when neither knows it. */
async function commitDateOf(
  runner: Runner,
  env: NodeJS.ProcessEnv,
  sha: string,
  ctx: ErrorContext,
): Promise<string> {
  const { date, stderr } = await readCommitDate(runner, env, sha);
  if (date) return date;
  core.debug(`git log failed: ${stderr}`);
  const message = classify('commit-date', stderr, ctx) ?? `ghcr-push: cannot read the commit date.`;
  throw new ActionError(`${message} (${lastLine(stderr) || 'git printed nothing'})`);
}

export async function login(runner: Runner, plan: Plan, settings: Settings): Promise<void> {
  const ctx = { registry: settings.registry, repository: settings.repository };
  const out = await step(runner, 'login', plan.login, ctx);
  core.info(out.trim() || `Logged in to ${settings.registry}.`);
}

export async function pushAll(runner: Runner, plan: Plan, settings: Settings): Promise<PushResult[]> {
  const results: PushResult[] = [];
  for (const s of plan.services) {
    const ctx: ErrorContext = {
      registry: settings.registry,
      repository: settings.repository,
      service: s.service,
      image: s.image,
    };
    const digest = await core.group(`${s.service}: ${s.image} -> ${s.name}`, async () => {
      core.info(
        s.build ? 'Adding the OCI labels with a thin FROM build.' : 'The image already has the OCI labels.',
      );
      for (const cmd of s.prepare) await step(runner, 'build', cmd, ctx);
      const digests = new Set<string>();
      for (const cmd of s.push) {
        const out = await step(runner, 'push', cmd, ctx);
        const d = parsePushDigest(out);
        if (!d)
          throw new ActionError(`ghcr-push: \`${cmd.argv.join(' ')}\` printed no digest: ${lastLine(out)}`);
        digests.add(d);
      }
      if (digests.size !== 1)
        throw new ActionError(
          `ghcr-push: service '${s.service}': the tags were pushed with different digests (${[...digests].join(', ')}).`,
        );
      const [d] = [...digests] as [string];
      const repoDigests = await step(runner, 'verify', s.verify, ctx);
      if (!repoDigestsContain(repoDigests, s.name, d))
        throw new ActionError(
          `ghcr-push: service '${s.service}': the push reported ${d}, but the engine does not list ${s.name}@${d} ` +
            `among the image's RepoDigests (${repoDigests.trim()}). Re-run the job; if it persists, inspect the registry.`,
        );
      core.info(`${s.name}@${d}`);
      return d;
    });
    results.push({ service: s.service, name: s.name, tags: s.tags, digest, built: s.build });
  }
  return results;
}
