// A minimal client of Prometheus' HTTP API (v1): instant and range queries, and the rules with their health.
// Errors name the query and carry Prometheus' own message.

export interface Sample {
  metric: Record<string, string>;
  /** [unix seconds, value as Prometheus writes it ("NaN", "+Inf", "1.5")]. */
  value?: [number, string];
  values?: [number, string][];
}

export interface RuleState {
  name: string;
  type: 'alerting' | 'recording';
  query: string;
  health: string;
  lastError?: string;
  state?: string;
}

export class PrometheusError extends Error {
  constructor(
    readonly expr: string,
    message: string,
  ) {
    super(`Prometheus query failed: ${message} (query: ${expr.slice(0, 300)})`);
    this.name = 'PrometheusError';
  }
}

interface ApiAnswer<T> {
  status: 'success' | 'error';
  data?: T;
  error?: string;
  errorType?: string;
}

export class PrometheusClient {
  constructor(
    readonly baseUrl: string,
    private readonly timeoutMs = 10_000,
  ) {}

  private async get<T>(path: string, params: Record<string, string>, expr: string): Promise<T> {
    const url = new URL(path, this.baseUrl.endsWith('/') ? this.baseUrl : `${this.baseUrl}/`);
    for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
    let response: Response;
    try {
      response = await fetch(url, { signal: AbortSignal.timeout(this.timeoutMs) });
    } catch (err) {
      throw new PrometheusError(expr, `${this.baseUrl} did not answer (${(err as Error).message})`);
    }
    const body = (await response.json().catch(() => ({}))) as ApiAnswer<T>;
    if (body.status !== 'success' || body.data === undefined) {
      throw new PrometheusError(
        expr,
        `${body.errorType ?? `HTTP ${response.status}`}: ${body.error ?? 'no data'}`,
      );
    }
    return body.data;
  }

  /** An instant query; `time` in Unix seconds (default: now). Returns vector samples, or a range vector's. */
  async query(expr: string, time?: number): Promise<Sample[]> {
    const params: Record<string, string> = { query: expr };
    if (time !== undefined) params.time = String(time);
    const data = await this.get<{ resultType: string; result: Sample[] | [number, string] }>(
      'api/v1/query',
      params,
      expr,
    );
    if (data.resultType === 'scalar') return [{ metric: {}, value: data.result as [number, string] }];
    return data.result as Sample[];
  }

  async queryRange(expr: string, start: number, end: number, stepSeconds: number): Promise<Sample[]> {
    const data = await this.get<{ result: Sample[] }>(
      'api/v1/query_range',
      { query: expr, start: String(start), end: String(end), step: String(stepSeconds) },
      expr,
    );
    return data.result;
  }

  /** The global scrape interval of the running configuration, in seconds (Prometheus' default: 60). */
  async scrapeIntervalSeconds(): Promise<number> {
    const data = await this.get<{ yaml: string }>('api/v1/status/config', {}, '(config)');
    const m = /^\s+scrape_interval:\s*(\d+)(ms|s|m)\s*$/m.exec(data.yaml);
    if (!m) return 60;
    return Number(m[1]) * ({ ms: 0.001, s: 1, m: 60 } as const)[m[2] as 'ms' | 's' | 'm'];
  }

  async rules(): Promise<RuleState[]> {
    const data = await this.get<{ groups: { rules: RuleState[] }[] }>('api/v1/rules', {}, '(rules)');
    return data.groups.flatMap((g) => g.rules);
  }
}
