/**
 * The deploy engine's plan for a front door that is not a GitHub action (infra/ansible's deploy.yml and
 * rollback.yml): the same upload archive, install command and `slipway deploy|rollback` argv the ssh-deploy and
 * rollback actions build, from the same toolkit functions and input rules. The caller only copies the archive
 * and runs the argv on the host; nothing of the deploy is implemented twice.
 *
 *   node --import tsx scripts/deploy/engine-plan.ts deploy --out FILE.tar --images JSON [--release-id ID]
 *       [--compose-file F] [--proxy-config F] [--app-dir D] [--health-timeout-seconds N] [--keep-releases N]
 *       [--lock-timeout-seconds N] [--actor NAME] [--git-sha SHA]
 *   node --import tsx scripts/deploy/engine-plan.ts rollback [--to ID|previous] [--app-dir D]
 *       [--lock-timeout-seconds N] [--actor NAME]
 *
 * Prints one JSON object: deploy {releaseId, upload, install, deploy}, rollback {rollback}; argv are arrays.
 * Flags are named like the actions' inputs and checked by the same rules; errors name the flag.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  InputError,
  Inputs,
  mapInputSource,
  readWorkspaceFile,
  RULES,
} from '../../actions/toolkit/src/index.js';
import {
  deployCommand,
  installCommand,
  rollbackCommand,
  uploadPath,
} from '../../actions/toolkit/src/deploy/engine.js';
import {
  defaultReleaseId,
  engineDigest,
  packTar,
  releaseFiles,
  runFacts,
} from '../../actions/toolkit/src/deploy/release.js';
import { engineFiles } from '../../actions/ssh-deploy/src/engine-files.js';
import { INPUT as DEPLOY_INPUT, readImages } from '../../actions/ssh-deploy/src/inputs.js';
import { INPUT as ROLLBACK_INPUT } from '../../actions/rollback/src/inputs.js';

/** `--name value` pairs into a map; a flag without a value or a stray word is an error naming it. */
export function parseFlags(args: string[]): Record<string, string> {
  const flags: Record<string, string> = {};
  for (let i = 0; i < args.length; i += 2) {
    const name = args[i] ?? '';
    const value = args[i + 1];
    if (!name.startsWith('--') || value === undefined)
      throw new Error(
        `engine-plan: expected --name value pairs, got '${name}'${value === undefined ? ' without a value' : ''}.`,
      );
    flags[name.slice(2)] = value;
  }
  return flags;
}

function common(i: Inputs) {
  return {
    appDir: i.string('app-dir', { default: '/srv/slipway', rule: RULES.appDir }),
    lockTimeoutSeconds: i.integer(DEPLOY_INPUT.lockTimeoutSeconds, { default: 120, min: 0, max: 3600 }),
    actor: i.string('actor', { default: 'ansible', rule: RULES.actor }),
  };
}

export interface DeployPlan {
  releaseId: string;
  upload: string;
  install: readonly string[];
  deploy: readonly string[];
  archive: Buffer;
}

export function planDeploy(
  flags: Record<string, string>,
  now = new Date(),
  nonce = randomBytes(4).toString('hex'),
): DeployPlan {
  const i = new Inputs(mapInputSource(flags));
  const images = readImages(i);
  const c = common(i);
  const releaseId =
    i.string(DEPLOY_INPUT.releaseId, { rule: RULES.releaseId }) || defaultReleaseId(images, now);
  const settings = {
    healthTimeoutSeconds: i.integer(DEPLOY_INPUT.healthTimeoutSeconds, { default: 120, min: 5, max: 3600 }),
    keepReleases: i.integer(DEPLOY_INPUT.keepReleases, { default: 5, min: 1, max: 50 }),
    lockTimeoutSeconds: c.lockTimeoutSeconds,
  };
  const composeFile = i.file(DEPLOY_INPUT.composeFile, { default: 'docker/compose.release.yaml' })!;
  const proxyConfig = i.file(DEPLOY_INPUT.proxyConfig, { default: 'docker/caddy/Caddyfile.release' })!;
  const gitSha = i.string('git-sha', { default: 'unknown', rule: RULES.gitSha });
  const engine = engineFiles();
  const digest = engineDigest(engine);
  const facts = runFacts({ GITHUB_SHA: gitSha, GITHUB_ACTOR: c.actor }, now);
  const release = releaseFiles(
    releaseId,
    images,
    readWorkspaceFile(composeFile),
    readWorkspaceFile(proxyConfig),
    facts,
  );
  const id = `${now.getTime()}-${nonce}`;
  return {
    releaseId,
    upload: uploadPath(c.appDir, id),
    install: installCommand(c.appDir, id, digest, releaseId).argv,
    deploy: deployCommand(c.appDir, releaseId, settings).argv,
    archive: packTar([...engine, ...release]),
  };
}

export function planRollback(flags: Record<string, string>): { rollback: readonly string[] } {
  const i = new Inputs(mapInputSource(flags));
  const to = i.string(ROLLBACK_INPUT.to, {
    default: 'previous',
    rule: RULES.releaseId,
    hint: `${RULES.releaseId.hint}, or previous`,
  });
  const c = common(i);
  return { rollback: rollbackCommand(c.appDir, to, { ...c, runUrl: '' }).argv };
}

export function main(argv: string[]): number {
  const [command, ...rest] = argv;
  try {
    const flags = parseFlags(rest);
    if (command === 'deploy') {
      const out = flags.out;
      if (!out)
        throw new Error('engine-plan: deploy needs --out FILE (where the upload archive is written).');
      delete flags.out;
      const { archive, ...plan } = planDeploy(flags);
      fs.writeFileSync(out, archive, { mode: 0o600 });
      process.stdout.write(`${JSON.stringify(plan)}\n`);
    } else if (command === 'rollback') {
      process.stdout.write(`${JSON.stringify(planRollback(flags))}\n`);
    } else {
      throw new Error(`engine-plan: expected deploy or rollback, got '${command ?? ''}'.`);
    }
    return 0;
  } catch (err) {
    const message =
      err instanceof InputError ? err.message.replace(/^Input '/, "Flag '--") : (err as Error).message;
    process.stderr.write(`${message}\n`);
    return 2;
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) process.exitCode = main(process.argv.slice(2));
