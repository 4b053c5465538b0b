import { type Command, type Runner, check, command } from '../../toolkit/src/index.js';

/** The buildx builder the build will run on. */
export interface BuilderFacts {
  name: string;
  /** `docker` (the engine's own BuildKit: no cache export), `docker-container`, `remote`, `kubernetes`, ... */
  driver: string;
}

export function inspectCommand(): Command {
  return command(['docker', 'buildx', 'inspect']);
}

/** Pure: name and driver from `docker buildx inspect` (its first `Name:` and `Driver:` lines). */
export function parseInspect(text: string): BuilderFacts {
  const field = (key: string) => new RegExp(`^${key}:\\s*(\\S+)`, 'm').exec(text)?.[1] ?? '';
  return { name: field('Name'), driver: field('Driver') };
}

export async function inspectBuilder(runner: Runner): Promise<BuilderFacts> {
  return parseInspect((await check(runner, inspectCommand())).stdout);
}
