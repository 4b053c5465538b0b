/**
 * A bounded load against the proxy: `concurrency` keep-alive clients alternating GET /health and a search,
 * until stop() or maxSeconds, whichever comes first. Counts non-2xx answers and socket errors.
 * Only ever pointed at loopback or the sandbox VPS address.
 */
import http from 'node:http';

export interface LoadReport {
  requests: number;
  non2xx: number;
  errors: number;
  failed: number;
  samples: string[];
  seconds: number;
}

export interface LoadOptions {
  /** A client waits this long after a failure before its next request, as a real client would, instead of
   * counting thousands of refused connections while nothing listens (fault drills). Default 0. */
  failurePauseMs?: number;
  /** The paths the clients cycle through (default: /health and a search, alternately). */
  paths?: string[];
}

export function startLoad(baseUrl: string, concurrency = 4, maxSeconds = 120, options: LoadOptions = {}) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const report: LoadReport = { requests: 0, non2xx: 0, errors: 0, failed: 0, samples: [], seconds: 0 };
  const started = Date.now();
  let stopped = false;
  const note = (sample: string) => {
    if (report.samples.length < 10) report.samples.push(sample);
  };
  const paths = options.paths ?? ['/health', '/search?q=blue+green+deploy&k=3'];
  const pause = () => new Promise<void>((resolve) => setTimeout(resolve, options.failurePauseMs ?? 0));
  const one = (pathname: string) =>
    new Promise<boolean>((resolve) => {
      const req = http.get(`${baseUrl}${pathname}`, { agent, timeout: 10_000 }, (res) => {
        res.resume();
        res.on('end', () => {
          report.requests++;
          const ok = res.statusCode !== undefined && res.statusCode >= 200 && res.statusCode <= 299;
          if (!ok) {
            report.non2xx++;
            note(`${pathname}: HTTP ${res.statusCode}`);
          }
          resolve(ok);
        });
      });
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', (e) => {
        report.requests++;
        report.errors++;
        note(`${pathname}: ${e.message}`);
        resolve(false);
      });
    });
  const worker = async (n: number) => {
    for (let i = n; !stopped && Date.now() - started < maxSeconds * 1000; i++) {
      const ok = await one(paths[i % paths.length]!);
      if (!ok && options.failurePauseMs) await pause();
    }
  };
  const workers = Array.from({ length: concurrency }, (_, n) => worker(n));
  return {
    report,
    async stop(): Promise<LoadReport> {
      stopped = true;
      await Promise.all(workers);
      agent.destroy();
      report.seconds = (Date.now() - started) / 1000;
      report.failed = report.non2xx + report.errors;
      return report;
    },
  };
}
