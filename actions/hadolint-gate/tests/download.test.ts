/**
 * The download path for real: @actions/tool-cache against a local HTTP server that serves a copy of the venv's
 * hadolint. The checksum table and version are injected; the production table is never edited.
 */
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import * as tc from '@actions/tool-cache';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ChecksumTable,
  DEFAULT_VERSION,
  DOWNLOAD_URL_ENV,
  type Platform,
  installHadolint,
} from '../src/install.js';

const binary = fs.readFileSync(path.resolve(import.meta.dirname, '../../../.venv/bin/hadolint'));
const sha256 = crypto.createHash('sha256').update(binary).digest('hex');
const platform = `${process.platform}-${process.arch}` as Platform;
const table = (hash: string): ChecksumTable => ({
  'v2.15.1': { [platform]: { asset: 'hadolint-test-binary', sha256: hash } },
});

let server: http.Server;
let baseUrl: string;
const requests: string[] = [];
let root: string;
const saved = { cache: process.env.RUNNER_TOOL_CACHE, temp: process.env.RUNNER_TEMP };

beforeAll(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'hadolint-download-'));
  process.env.RUNNER_TOOL_CACHE = path.join(root, 'tool-cache');
  process.env.RUNNER_TEMP = path.join(root, 'temp');
  server = http.createServer((req, res) => {
    requests.push(req.url ?? '');
    if (req.url?.endsWith('/hadolint-test-binary')) {
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': binary.length });
      res.end(binary);
    } else {
      res.writeHead(404).end('not found');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/releases`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  process.env.RUNNER_TOOL_CACHE = saved.cache;
  process.env.RUNNER_TEMP = saved.temp;
  fs.rmSync(root, { recursive: true, force: true });
});

const env = () => ({ [DOWNLOAD_URL_ENV]: baseUrl });
const leftovers = () =>
  fs.existsSync(process.env.RUNNER_TEMP!) ? fs.readdirSync(process.env.RUNNER_TEMP!) : [];

describe('installing a pinned hadolint', () => {
  it('refuses a download whose checksum does not match: clear error, file deleted, nothing cached', async () => {
    const wrong = '0'.repeat(64);
    const before = requests.length;
    await expect(installHadolint('v2.15.1', { table: table(wrong), env: env() })).rejects.toThrow(
      `Checksum mismatch for hadolint v2.15.1 from ${baseUrl}/v2.15.1/hadolint-test-binary: expected sha256 ${wrong}, ` +
        `got ${sha256}. The download was deleted and nothing was cached.`,
    );
    expect(requests.length).toBe(before + 1);
    expect(leftovers()).toEqual([]);
    expect(tc.find('hadolint', 'v2.15.1')).toBe('');
  });

  it('downloads, verifies and caches; the second run uses the cache without a request', async () => {
    const before = requests.length;
    const first = await installHadolint('v2.15.1', { table: table(sha256), env: env() });
    expect(requests.slice(before)).toEqual(['/releases/v2.15.1/hadolint-test-binary']);
    expect(first.startsWith(process.env.RUNNER_TOOL_CACHE!)).toBe(true);
    // The served binary is the venv's hadolint, the pinned default version (pinned-version.test.ts).
    expect(spawnSync(first, ['--version'], { encoding: 'utf8' }).stdout).toContain(DEFAULT_VERSION.slice(1));
    expect(leftovers()).toEqual([]);

    const second = await installHadolint('v2.15.1', { table: table(sha256), env: env() });
    expect(second).toBe(first);
    expect(requests.length).toBe(before + 1);
  });

  it('fails clearly when the release is not there', async () => {
    const missing: ChecksumTable = { 'v9.9.9': { [platform]: { asset: 'no-such-asset', sha256 } } };
    await expect(installHadolint('v9.9.9', { table: missing, env: env() })).rejects.toThrow(
      /^Downloading hadolint v9\.9\.9 failed: Unexpected HTTP response: 404 \(http:\/\/127\.0\.0\.1:\d+\/releases\/v9\.9\.9\/no-such-asset\)/,
    );
    expect(tc.find('hadolint', 'v9.9.9')).toBe('');
  });

  it('refuses a version without a verified checksum before any request', async () => {
    const before = requests.length;
    await expect(installHadolint('v2.13.0', { env: env() })).rejects.toThrow(
      'hadolint-gate: no verified checksum for hadolint v2.13.0. Known versions: v2.14.0, v2.12.0, or system.',
    );
    expect(requests.length).toBe(before);
  });
});
