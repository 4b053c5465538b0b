import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local HTTP server speaking the slice of GitHub's REST shape Slipway uses (issue comments, deployments and
 * deployment statuses). Tests point GITHUB_API_URL at it so production client code runs unchanged.
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

export interface FakeGitHub {
  url: string;
  comments: FakeComment[];
  deployments: Record<string, unknown>[];
  statuses: Record<string, unknown>[];
  requests: { method: string; path: string; auth: string | undefined }[];
  close(): Promise<void>;
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

export async function startFakeGitHub(opts: { pageSize?: number } = {}): Promise<FakeGitHub> {
  let nextId = 1000;
  const state: Omit<FakeGitHub, 'url' | 'close'> = {
    comments: [],
    deployments: [],
    statuses: [],
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
