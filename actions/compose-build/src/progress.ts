/** Per service: how many build steps ran, how many were served from cache, and the time the steps took. */
export interface StepStats {
  cached: number;
  total: number;
  /** Sum of the durations BuildKit printed for the service's steps (steps of parallel services overlap). */
  seconds: number;
}

interface Vertex {
  services: Set<string>;
  cached: boolean;
  seconds: number;
}

const HEADER = /^#(\d+) \[([^\]]+)\] (\S+)/;
const STATUS = /^#(\d+) (CACHED|DONE (\d+(?:\.\d+)?)s)\s*$/;

/**
 * Pure: parses BuildKit's `--progress=plain` output into step counts per service.
 *
 * A step is a Dockerfile instruction after FROM, shown as `#N [<target> <stage>? i/n] INSTRUCTION ...`. Bake
 * names the target only when it builds more than one; then a step shared by several targets is one vertex
 * announced once per target, and counts for each of them. FROM is not counted: BuildKit resolves the base image
 * rather than building it, and never reports it CACHED.
 */
export function parseProgress(output: string, services: readonly string[]): Record<string, StepStats> {
  const vertices = new Map<string, Vertex>();
  for (const raw of output.split('\n')) {
    const line = raw.trimEnd();
    const header = HEADER.exec(line);
    if (header) {
      const [, id, inside, instruction] = header as unknown as [string, string, string, string];
      const words = inside.split(' ');
      if (!/^\d+\/\d+$/.test(words[words.length - 1] ?? '') || instruction.toUpperCase() === 'FROM') continue;
      const service = services.includes(words[0]!) ? words[0]! : services.length === 1 ? services[0]! : '';
      if (!service) continue;
      const vertex = vertices.get(id) ?? { services: new Set<string>(), cached: false, seconds: 0 };
      vertex.services.add(service);
      vertices.set(id, vertex);
      continue;
    }
    const status = STATUS.exec(line);
    const vertex = status && vertices.get(status[1]!);
    if (!status || !vertex) continue;
    if (status[2] === 'CACHED') vertex.cached = true;
    else vertex.seconds = Number(status[3]);
  }
  const stats: Record<string, StepStats> = {};
  for (const s of services) stats[s] = { cached: 0, total: 0, seconds: 0 };
  for (const v of vertices.values()) {
    for (const s of v.services) {
      const st = stats[s]!;
      st.total += 1;
      if (v.cached) st.cached += 1;
      else st.seconds += v.seconds;
    }
  }
  for (const s of services) stats[s]!.seconds = Math.round(stats[s]!.seconds * 10) / 10;
  return stats;
}
