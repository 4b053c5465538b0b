// Whether the proxy should send this instance new requests, answered on a port of its own (ROTATION_PORT,
// default 8082) that only the proxy's active health check uses: 200 while in rotation, 503 otherwise. Clients
// never see this port, and /health keeps answering 200 when an instance leaves rotation, so a switch is invisible
// to them. Living in the API process (no sidecar) means no other container's restart can take the API off the
// network.
//
// Who decides: with ROTATION_FILE set (the release stack mounts it from the deploy engine's state), the instance
// is in rotation only while that file says `in`; a missing or unreadable file means out, so a new instance waits
// until the engine admits it. The file outlives a restart of the container, so an instance the engine parked out
// of rotation (the previous release, kept warm for a fast rollback) stays out after an OOM kill or a Docker
// restart. Without ROTATION_FILE (the dev and prod stacks) an instance is always in rotation. Draining after
// SIGTERM answers 503 in every case.
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';

export type RotationSource = () => Promise<'in' | 'out'>;

/** Reads the engine's rotation file: `in` (any surrounding whitespace) means in; anything else, or no file, out. */
export function fileSource(file: string, read = (p: string) => readFile(p, 'utf8')): RotationSource {
  return async () => {
    try {
      return (await read(file)).trim() === 'in' ? 'in' : 'out';
    } catch {
      return 'out';
    }
  };
}

export const alwaysIn: RotationSource = async () => 'in';

export class Rotation {
  constructor(
    private readonly source: RotationSource,
    private readonly draining: () => boolean,
  ) {}

  /** 200 while the proxy may choose this instance, 503 once it is out of rotation or draining. */
  async status(): Promise<200 | 503> {
    if (this.draining()) return 503;
    return (await this.source()) === 'in' ? 200 : 503;
  }
}

export function createRotationServer(rotation: Rotation): Server {
  const server = createServer((req, res) => {
    req.resume();
    void rotation.status().then((code) => {
      res.writeHead(code, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      res.end(code === 200 ? '{"rotation":"in"}' : '{"rotation":"out"}');
    });
  });
  server.keepAliveTimeout = 65_000;
  return server;
}
