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

export function startLoad(baseUrl: string, concurrency = 4, maxSeconds = 120) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const report: LoadReport = { requests: 0, non2xx: 0, errors: 0, failed: 0, samples: [], seconds: 0 };
  const started = Date.now();
  let stopped = false;
  const note = (sample: string) => {
    if (report.samples.length < 10) report.samples.push(sample);
  };
  const one = (pathname: string) =>
    new Promise<void>((resolve) => {
      const req = http.get(`${baseUrl}${pathname}`, { agent, timeout: 10_000 }, (res) => {
        res.resume();
        res.on('end', () => {
          report.requests++;
          if (!res.statusCode || res.statusCode < 200 || res.statusCode > 299) {
            report.non2xx++;
            note(`${pathname}: HTTP ${res.statusCode}`);
          }
          resolve();
        });
      });
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', (e) => {
        report.requests++;
        report.errors++;
        note(`${pathname}: ${e.message}`);
        resolve();
      });
    });
  const worker = async (n: number) => {
    for (let i = n; !stopped && Date.now() - started < maxSeconds * 1000; i++) {
      await one(i % 2 ? '/search?q=blue+green+deploy&k=3' : '/health');
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
