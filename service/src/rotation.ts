// Whether the proxy should send this instance new requests, answered on a port of its own (ROTATION_PORT,
// default 8082) that only the proxy's active health check uses. The deploy engine takes an old slot out of
// rotation with SIGUSR1 before it stops it: from then on this port answers 503, the proxy stops choosing the
// slot within one health interval, and the API itself keeps answering whatever the proxy still sends (clients'
// own /health included, so they never see the switch). Draining after SIGTERM answers 503 here too.
// Living in the API process (no sidecar) means no other container's restart can take the API off the network.
import { createServer, type Server } from 'node:http';
import type { Logger } from './log.js';

export class Rotation {
  private left = false;

  constructor(private readonly draining: () => boolean) {}

  leave(): void {
    this.left = true;
  }

  /** 200 while the proxy may choose this instance, 503 once it left rotation or started draining. */
  status(): 200 | 503 {
    return this.left || this.draining() ? 503 : 200;
  }

  installSignalHandler(log: Logger): void {
    // A handler also keeps Node from opening its inspector, its default reaction to SIGUSR1.
    process.on('SIGUSR1', () => {
      if (this.status() === 200) log.info('leaving rotation (SIGUSR1)');
      this.leave();
    });
  }
}

export function createRotationServer(rotation: Rotation): Server {
  const server = createServer((req, res) => {
    req.resume();
    const code = rotation.status();
    res.writeHead(code, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    res.end(code === 200 ? '{"rotation":"in"}' : '{"rotation":"out"}');
  });
  server.keepAliveTimeout = 65_000;
  return server;
}
