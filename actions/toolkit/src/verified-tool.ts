import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as core from '@actions/core';
import * as tc from '@actions/tool-cache';
import { ActionError } from './errors.js';

/** One single-file tool release: where to get it and the SHA-256 it must have. */
export interface VerifiedTool {
  /** Tool-cache name, e.g. `hadolint`. */
  readonly tool: string;
  /** Semver-like version; tool-cache drops a leading `v`. */
  readonly version: string;
  readonly url: string;
  /** Lower-case hex SHA-256 of the file at `url`. */
  readonly sha256: string;
  /** Name of the executable inside the cache folder. */
  readonly fileName: string;
  /** Cache key architecture; defaults to this machine's. */
  readonly arch?: string;
}

/** The tool-cache calls, injectable so tests can count or fake them. */
export interface ToolCache {
  find(tool: string, version: string, arch?: string): string;
  downloadTool(url: string): Promise<string>;
  cacheFile(source: string, target: string, tool: string, version: string, arch?: string): Promise<string>;
}

export const actionsToolCache: ToolCache = {
  find: (tool, version, arch) => tc.find(tool, version, arch),
  downloadTool: (url) => tc.downloadTool(url),
  cacheFile: (source, target, tool, version, arch) => tc.cacheFile(source, target, tool, version, arch),
};

export async function sha256File(file: string): Promise<string> {
  const hash = crypto.createHash('sha256');
  for await (const chunk of fs.createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * Outside a runner RUNNER_TOOL_CACHE and RUNNER_TEMP are unset and @actions/tool-cache (which reads
 * process.env itself) refuses to work; fall back to folders under the OS temp dir so it runs on a laptop too.
 */
function ensureRunnerDirs(): void {
  process.env.RUNNER_TOOL_CACHE ||= path.join(os.tmpdir(), 'slipway-tool-cache');
  process.env.RUNNER_TEMP ||= path.join(os.tmpdir(), 'slipway-runner-temp');
}

/**
 * Returns the path of a cached, checksum-verified executable: the tool cache first, else a download that must
 * match `sha256` before it is made executable and cached. A mismatch deletes the download, caches nothing
 * and throws.
 */
export async function installVerifiedTool(
  spec: VerifiedTool,
  cache: ToolCache = actionsToolCache,
): Promise<{ path: string; cached: boolean }> {
  ensureRunnerDirs();
  const arch = spec.arch ?? os.arch();
  const hit = cache.find(spec.tool, spec.version, arch);
  if (hit) {
    core.info(`${spec.tool} ${spec.version} found in the tool cache.`);
    return { path: path.join(hit, spec.fileName), cached: true };
  }
  core.info(`Downloading ${spec.tool} ${spec.version} from ${spec.url}`);
  let downloaded: string;
  try {
    downloaded = await cache.downloadTool(spec.url);
  } catch (err) {
    throw new ActionError(
      `Downloading ${spec.tool} ${spec.version} failed: ${(err as Error).message} (${spec.url}). ` +
        'Check the network, or the download URL override if one is set.',
    );
  }
  const actual = await sha256File(downloaded);
  if (actual !== spec.sha256.toLowerCase()) {
    fs.rmSync(downloaded, { force: true });
    throw new ActionError(
      `Checksum mismatch for ${spec.tool} ${spec.version} from ${spec.url}: expected sha256 ${spec.sha256}, ` +
        `got ${actual}. The download was deleted and nothing was cached. Check the download URL and the pinned checksum.`,
    );
  }
  fs.chmodSync(downloaded, 0o755);
  const dir = await cache.cacheFile(downloaded, spec.fileName, spec.tool, spec.version, arch);
  fs.rmSync(downloaded, { force: true });
  return { path: path.join(dir, spec.fileName), cached: false };
}
