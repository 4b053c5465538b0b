// Graceful shutdown of the API server. On SIGTERM (docker stop) or SIGINT the process enters `draining`:
// health endpoints answer 503 at once so a proxy takes this instance out of rotation, while every request,
// in flight or new, is still served for the drain period. Then the listener closes, in-flight requests get a
// bounded time to finish, remaining sockets are destroyed, cleanup runs and the process exits 0.
import type { Server } from 'node:http';
import type { Logger } from './log.js';

export interface LifecycleOptions {
  server: Server;
  log: Logger;
  drainMs: number;
  shutdownTimeoutMs: number;
  cleanup: () => Promise<void>;
  exit?: (code: number) => void;
}

export class Lifecycle {
  draining = false;
  inFlight = 0;
  private shutdown: Promise<void> | null = null;

  constructor(private readonly options: LifecycleOptions) {
    // Prepended: it must run before the route handler writes the response head.
    options.server.prependListener('request', (_req, res) => {
      this.inFlight++;
      // While draining, ask keep-alive clients to reconnect: the proxy will pick a healthy instance.
      if (this.draining) res.setHeader('connection', 'close');
      res.on('close', () => this.inFlight--);
    });
  }

  installSignalHandlers(): void {
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      process.on(signal, () => {
        this.options.log.info('shutdown signal received', { signal, drain_ms: this.options.drainMs });
        void this.beginShutdown();
      });
    }
  }

  beginShutdown(): Promise<void> {
    this.shutdown ??= this.run();
    return this.shutdown;
  }

  private async run(): Promise<void> {
    const { server, log, drainMs, shutdownTimeoutMs, cleanup } = this.options;
    const exit = this.options.exit ?? ((code: number) => process.exit(code));
    this.draining = true;
    await sleep(drainMs);
    log.info('drain period over, closing listener', { in_flight: this.inFlight });
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    const deadline = Date.now() + shutdownTimeoutMs;
    while (this.inFlight > 0 && Date.now() < deadline) await sleep(25);
    if (this.inFlight > 0)
      log.warn('shutdown timeout reached, dropping requests', { in_flight: this.inFlight });
    server.closeAllConnections();
    await closed;
    try {
      await cleanup();
    } catch (err) {
      log.warn('cleanup failed during shutdown', { error: err });
    }
    log.info('shutdown complete');
    exit(0);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
