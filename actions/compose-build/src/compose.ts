import { ActionError, type Command, type Runner, check, command } from '../../toolkit/src/index.js';

/** What the action needs to know about the merged compose project. */
export interface ComposeFacts {
  project: string;
  services: Record<string, ServiceFacts>;
}

export interface ServiceFacts {
  /** Build context as compose resolved it (absolute for local directories); absent without a build section. */
  context?: string;
  /** Dockerfile relative to the context, as compose reports it. */
  dockerfile?: string;
  /** The `image:` of the service, if any. */
  image?: string;
}

const fileArgs = (files: readonly string[]) => files.flatMap((f) => ['-f', f]);

export function validateCommand(files: readonly string[], cwd?: string): Command {
  return command(['docker', 'compose', ...fileArgs(files), 'config', '-q'], cwd ? { cwd } : {});
}

export function configCommand(files: readonly string[], cwd?: string): Command {
  return command(['docker', 'compose', ...fileArgs(files), 'config', '--format', 'json'], cwd ? { cwd } : {});
}

/** The last line of compose's stderr that says something (skips blank lines and warnings about `version`). */
export function meaningfulLine(stderr: string): string {
  const lines = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !/the attribute `version` is obsolete/.test(l));
  return lines[lines.length - 1] ?? '';
}

/** Pure: the facts from `docker compose config --format json`. */
export function parseComposeConfig(json: string): ComposeFacts {
  let doc: unknown;
  try {
    doc = JSON.parse(json);
  } catch (err) {
    throw new ActionError(
      `docker compose config: printed invalid JSON (${(err as Error).message}). Check the Docker Compose version (v2 is required).`,
    );
  }
  const root = (doc ?? {}) as { name?: unknown; services?: Record<string, Record<string, unknown>> };
  const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);
  const services: ComposeFacts['services'] = {};
  for (const [name, svc] of Object.entries(root.services ?? {})) {
    const build = (svc.build ?? undefined) as { context?: unknown; dockerfile?: unknown } | undefined;
    const facts: ServiceFacts = {};
    const image = str(svc.image);
    if (image) facts.image = image;
    if (build) {
      facts.context = str(build.context) ?? '.';
      const dockerfile = str(build.dockerfile);
      if (dockerfile) facts.dockerfile = dockerfile;
    }
    services[name] = facts;
  }
  return { project: typeof root.name === 'string' ? root.name : '', services };
}

/**
 * Validates the compose files, then reads the merged configuration. A file that does not validate fails here,
 * before anything is built, with compose's own message.
 */
export async function readCompose(
  runner: Runner,
  files: readonly string[],
  cwd?: string,
): Promise<ComposeFacts> {
  const validation = await runner.exec(validateCommand(files, cwd));
  if (validation.exitCode !== 0) {
    const why = meaningfulLine(validation.stderr) || meaningfulLine(validation.stdout) || 'no output';
    throw new ActionError(
      `Compose file ${files.join(', ')} does not validate: ${why}. Fix the file (check it with \`docker compose -f FILE config\`); nothing was built.`,
    );
  }
  const config = await check(runner, configCommand(files, cwd));
  return parseComposeConfig(config.stdout);
}
