import http from 'node:http';
import type { AddressInfo } from 'node:net';
import zlib from 'node:zlib';

/**
 * A local HTTP server speaking the slice of GitHub's REST shape Slipway uses (issue comments, deployments and
 * deployment statuses, code-scanning SARIF uploads, deployment environments with their branch policies, and
 * the user and team look-ups that reviewer ids come from). Tests, the rehearsal and act runs point
 * GITHUB_API_URL at it so production client code runs unchanged. Status codes and bodies follow GitHub's REST
 * reference for each endpoint.
 *
 * Under the `/read-only` prefix (GITHUB_API_URL = `${url}/read-only`) the same routes behave as they do for a
 * fork PR's read-only token: reads work, every write answers 403 "Resource not accessible by integration".
 */
export const READ_ONLY_PREFIX = '/read-only';

export interface FakeComment {
  id: number;
  body: string;
  issue_number: number;
  html_url: string;
  user: { login: string };
}

export interface FakeEnvironment {
  id: number;
  name: string;
  wait_timer: number;
  prevent_self_review: boolean;
  reviewers: { type: 'User' | 'Team'; id: number }[];
  deployment_branch_policy: { protected_branches: boolean; custom_branch_policies: boolean } | null;
  branch_policies: { id: number; node_id: string; name: string; type: 'branch' | 'tag' }[];
}

export interface FakeSarifUpload {
  id: string;
  repo: string;
  commit_sha: string;
  ref: string;
  tool_name?: string;
  /** The SARIF log, decoded from its gzip + base64 upload. */
  sarif: { version?: string; runs?: { automationDetails?: { id?: string } }[] };
}

export interface FakeGitHub {
  url: string;
  comments: FakeComment[];
  deployments: Record<string, unknown>[];
  statuses: Record<string, unknown>[];
  /** By `owner/repo/name`. */
  environments: Map<string, FakeEnvironment>;
  sarifs: FakeSarifUpload[];
  requests: { method: string; path: string; auth: string | undefined }[];
  close(): Promise<void>;
}

export interface FakeGitHubOptions {
  pageSize?: number;
  /** Accounts GET /users/{login} knows: login -> id. */
  users?: Record<string, number>;
  /** Teams GET /orgs/{org}/teams/{slug} knows: `org/slug` -> id. */
  teams?: Record<string, number>;
}

/** The environment as GitHub returns it: its settings as protection rules. */
function environmentBody(env: FakeEnvironment, base: string, repo: string): Record<string, unknown> {
  const rules: Record<string, unknown>[] = [];
  if (env.wait_timer > 0) rules.push({ id: env.id + 1, type: 'wait_timer', wait_timer: env.wait_timer });
  if (env.reviewers.length > 0) {
    rules.push({
      id: env.id + 2,
      type: 'required_reviewers',
      prevent_self_review: env.prevent_self_review,
      reviewers: env.reviewers.map((r) => ({ type: r.type, reviewer: { id: r.id } })),
    });
  }
  if (env.deployment_branch_policy) rules.push({ id: env.id + 3, type: 'branch_policy' });
  return {
    id: env.id,
    name: env.name,
    url: `${base}/repos/${repo}/environments/${encodeURIComponent(env.name)}`,
    protection_rules: rules,
    deployment_branch_policy: env.deployment_branch_policy,
  };
}

/** 422 with GitHub's error shape, or undefined when the environment body is valid. */
function environmentError(body: Record<string, unknown>): string | undefined {
  const timer = body.wait_timer;
  if (timer !== undefined && (!Number.isInteger(timer) || (timer as number) < 0 || (timer as number) > 43200))
    return 'wait_timer must be an integer between 0 and 43200';
  const reviewers = body.reviewers;
  if (reviewers !== undefined && reviewers !== null) {
    if (!Array.isArray(reviewers)) return 'reviewers must be an array';
    if (reviewers.length > 6) return 'You can only specify up to 6 reviewers';
    for (const r of reviewers as { type?: unknown; id?: unknown }[]) {
      if ((r.type !== 'User' && r.type !== 'Team') || !Number.isInteger(r.id))
        return 'each reviewer needs a type (User or Team) and an integer id';
    }
  }
  const policy = body.deployment_branch_policy as Record<string, unknown> | null | undefined;
  if (policy) {
    if (typeof policy.protected_branches !== 'boolean' || typeof policy.custom_branch_policies !== 'boolean')
      return 'deployment_branch_policy needs protected_branches and custom_branch_policies';
    if (policy.protected_branches === policy.custom_branch_policies)
      return 'Only one of protected_branches and custom_branch_policies can be set to true';
  }
  return undefined;
}

function send(
  res: http.ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
  res.end(JSON.stringify(body));
}

export async function startFakeGitHub(opts: FakeGitHubOptions = {}): Promise<FakeGitHub> {
  let nextId = 1000;
  const state: Omit<FakeGitHub, 'url' | 'close'> = {
    comments: [],
    deployments: [],
    statuses: [],
    environments: new Map(),
    sarifs: [],
    requests: [],
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      state.requests.push({ method: req.method ?? '', path: url.pathname, auth: req.headers.authorization });
      if (!req.headers.authorization) return send(res, 401, { message: 'Requires authentication' });
      const body = chunks.length
        ? (JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>)
        : {};
      const base = `http://${req.headers.host}`;
      let pathname = url.pathname;
      if (pathname.startsWith(`${READ_ONLY_PREFIX}/`)) {
        if (req.method !== 'GET') {
          return send(res, 403, {
            message: 'Resource not accessible by integration',
            documentation_url: 'https://docs.github.com/rest',
          });
        }
        pathname = pathname.slice(READ_ONLY_PREFIX.length);
      }
      let m: RegExpExecArray | null;
      if ((m = /^\/repos\/([^/]+)\/([^/]+)\/issues\/(\d+)\/comments$/.exec(pathname))) {
        const issue = Number(m[3]);
        if (req.method === 'GET') {
          const all = state.comments.filter((c) => c.issue_number === issue);
          const perPage = Math.min(Number(url.searchParams.get('per_page') ?? 30), opts.pageSize ?? 100);
          const page = Number(url.searchParams.get('page') ?? 1);
          const slice = all.slice((page - 1) * perPage, page * perPage);
          const headers: Record<string, string> = {};
          if (page * perPage < all.length) {
            headers.link = `<${base}${url.pathname}?per_page=${perPage}&page=${page + 1}>; rel="next"`;
          }
          return send(res, 200, slice, headers);
        }
        if (req.method === 'POST') {
          const id = nextId++;
          const comment: FakeComment = {
            id,
            issue_number: issue,
            body: String(body.body ?? ''),
            html_url: `https://github.example/${m[1]}/${m[2]}/pull/${issue}#issuecomment-${id}`,
            user: { login: 'github-actions[bot]' },
          };
          state.comments.push(comment);
          return send(res, 201, comment);
        }
      }
      if (
        (m = /^\/repos\/([^/]+)\/([^/]+)\/issues\/comments\/(\d+)$/.exec(pathname)) &&
        req.method === 'PATCH'
      ) {
        const comment = state.comments.find((c) => c.id === Number(m![3]));
        if (!comment) return send(res, 404, { message: 'Not Found' });
        comment.body = String(body.body ?? '');
        return send(res, 200, comment);
      }
      if ((m = /^\/repos\/([^/]+)\/([^/]+)\/deployments$/.exec(pathname))) {
        if (req.method === 'POST') {
          const deployment = { id: nextId++, ...body };
          state.deployments.push(deployment);
          return send(res, 201, deployment);
        }
        return send(res, 200, state.deployments);
      }
      if (
        (m = /^\/repos\/([^/]+)\/([^/]+)\/deployments\/(\d+)\/statuses$/.exec(pathname)) &&
        req.method === 'POST'
      ) {
        const status = { id: nextId++, deployment_id: Number(m[3]), ...body };
        state.statuses.push(status);
        return send(res, 201, status);
      }
      if (
        (m = /^\/repos\/([^/]+)\/([^/]+)\/code-scanning\/sarifs$/.exec(pathname)) &&
        req.method === 'POST'
      ) {
        if (!/^[0-9a-f]{40}$/.test(String(body.commit_sha ?? '')) || !/^refs\//.test(String(body.ref ?? '')))
          return send(res, 422, { message: 'commit_sha must be a full SHA and ref a full Git reference' });
        let sarif: FakeSarifUpload['sarif'];
        try {
          sarif = JSON.parse(
            zlib.gunzipSync(Buffer.from(String(body.sarif ?? ''), 'base64')).toString('utf8'),
          );
        } catch {
          return send(res, 400, { message: 'sarif must be gzip-compressed and Base64-encoded' });
        }
        const id = `sarif-${nextId++}`;
        state.sarifs.push({
          id,
          repo: `${m[1]}/${m[2]}`,
          commit_sha: String(body.commit_sha),
          ref: String(body.ref),
          ...(body.tool_name ? { tool_name: String(body.tool_name) } : {}),
          sarif,
        });
        return send(res, 202, { id, url: `${base}/repos/${m[1]}/${m[2]}/code-scanning/sarifs/${id}` });
      }
      if ((m = /^\/repos\/([^/]+)\/([^/]+)\/environments\/([^/]+)$/.exec(pathname))) {
        const repo = `${m[1]}/${m[2]}`;
        const name = decodeURIComponent(m[3]!);
        const key = `${repo}/${name}`;
        if (req.method === 'GET') {
          const env = state.environments.get(key);
          return env
            ? send(res, 200, environmentBody(env, base, repo))
            : send(res, 404, { message: 'Not Found' });
        }
        if (req.method === 'PUT') {
          const problem = environmentError(body);
          if (problem) return send(res, 422, { message: 'Validation Failed', errors: [problem] });
          const old = state.environments.get(key);
          const policy = body.deployment_branch_policy as
            FakeEnvironment['deployment_branch_policy'] | undefined;
          // Omitted fields keep their values, as GitHub does; a null policy means "all branches".
          const env: FakeEnvironment = {
            id: old?.id ?? nextId++,
            name,
            wait_timer: (body.wait_timer as number | undefined) ?? old?.wait_timer ?? 0,
            prevent_self_review:
              (body.prevent_self_review as boolean | undefined) ?? old?.prevent_self_review ?? false,
            reviewers:
              (body.reviewers as FakeEnvironment['reviewers'] | null | undefined) ?? old?.reviewers ?? [],
            deployment_branch_policy: policy === undefined ? (old?.deployment_branch_policy ?? null) : policy,
            branch_policies: old?.branch_policies ?? [],
          };
          if (!env.deployment_branch_policy?.custom_branch_policies) env.branch_policies = [];
          state.environments.set(key, env);
          return send(res, 200, environmentBody(env, base, repo));
        }
      }
      if (
        (m =
          /^\/repos\/([^/]+)\/([^/]+)\/environments\/([^/]+)\/deployment-branch-policies(?:\/(\d+))?$/.exec(
            pathname,
          ))
      ) {
        const env = state.environments.get(`${m[1]}/${m[2]}/${decodeURIComponent(m[3]!)}`);
        if (!env || !env.deployment_branch_policy?.custom_branch_policies)
          return send(res, 404, { message: 'Not Found' });
        if (req.method === 'GET' && !m[4])
          return send(res, 200, {
            total_count: env.branch_policies.length,
            branch_policies: env.branch_policies,
          });
        if (req.method === 'POST' && !m[4]) {
          const type = (body.type as 'branch' | 'tag' | undefined) ?? 'branch';
          if (typeof body.name !== 'string' || !body.name || (type !== 'branch' && type !== 'tag'))
            return send(res, 422, { message: 'Validation Failed', errors: ['name and type (branch|tag)'] });
          if (env.branch_policies.some((p) => p.name === body.name && p.type === type))
            return send(res, 303, { message: 'a policy with this name pattern already exists' });
          const id = nextId++;
          const policy = { id, node_id: `BP_${id}`, name: body.name, type };
          env.branch_policies.push(policy);
          return send(res, 200, policy);
        }
        if (req.method === 'DELETE' && m[4]) {
          const before = env.branch_policies.length;
          env.branch_policies = env.branch_policies.filter((p) => p.id !== Number(m![4]));
          if (env.branch_policies.length === before) return send(res, 404, { message: 'Not Found' });
          res.writeHead(204).end();
          return;
        }
      }
      if ((m = /^\/users\/([^/]+)$/.exec(pathname)) && req.method === 'GET') {
        const id = opts.users?.[m[1]!];
        return id
          ? send(res, 200, { login: m[1], id, type: 'User' })
          : send(res, 404, { message: 'Not Found' });
      }
      if ((m = /^\/orgs\/([^/]+)\/teams\/([^/]+)$/.exec(pathname)) && req.method === 'GET') {
        const id = opts.teams?.[`${m[1]}/${m[2]}`];
        return id ? send(res, 200, { id, slug: m[2], name: m[2] }) : send(res, 404, { message: 'Not Found' });
      }
      return send(res, 404, { message: 'Not Found', documentation_url: 'https://docs.github.com/rest' });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    ...state,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
