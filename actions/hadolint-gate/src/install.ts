import * as io from '@actions/io';
import { ActionError } from '../../toolkit/src/index.js';
import { type ToolCache, actionsToolCache, installVerifiedTool } from '../../toolkit/src/verified-tool.js';

export const DEFAULT_VERSION = 'v2.14.0';
export const DOWNLOAD_URL_ENV = 'SLIPWAY_HADOLINT_DOWNLOAD_URL';
export const DEFAULT_DOWNLOAD_URL = 'https://github.com/hadolint/hadolint/releases/download';

/** `${process.platform}-${process.arch}` of the runners hadolint publishes a binary for. */
export type Platform = 'linux-x64' | 'linux-arm64' | 'darwin-arm64';

export interface Asset {
  readonly asset: string;
  readonly sha256: string;
}

export type ChecksumTable = Readonly<Record<string, Partial<Record<Platform, Asset>>>>;

/**
 * Verified release assets. Only add a line after checking the hash against the release's own .sha256 file:
 * a version missing here is refused rather than downloaded unverified. v2.14.0 names assets in lower case,
 * v2.12.0 uses `Linux`.
 */
export const CHECKSUMS: ChecksumTable = {
  'v2.14.0': {
    'linux-x64': {
      asset: 'hadolint-linux-x86_64',
      sha256: '6bf226944684f56c84dd014e8b979d27425c0148f61b3bd99bcc6f39e9dc5a47',
    },
    'linux-arm64': {
      asset: 'hadolint-linux-arm64',
      sha256: '331f1d3511b84a4f1e3d18d52fec284723e4019552f4f47b19322a53ce9a40ed',
    },
    'darwin-arm64': {
      asset: 'hadolint-macos-arm64',
      sha256: '3625e2e9f43dcfe7bd38738a5f5520ed50ce39ed28485266e6803dd7bc197b10',
    },
  },
  'v2.12.0': {
    'linux-x64': {
      asset: 'hadolint-Linux-x86_64',
      sha256: '56de6d5e5ec427e17b74fa48d51271c7fc0d61244bf5c90e828aab8362d55010',
    },
    'linux-arm64': {
      asset: 'hadolint-Linux-arm64',
      sha256: '5798551bf19f33951881f15eb238f90aef023f11e7ec7e9f4c37961cb87c5df6',
    },
  },
};

export const KNOWN_VERSIONS = Object.keys(CHECKSUMS);

export interface Release {
  readonly version: string;
  readonly url: string;
  readonly sha256: string;
  readonly asset: string;
}

/** Which asset of `version` this machine needs, and where it is downloaded from. Pure. */
export function resolveRelease(
  version: string,
  platform: string,
  arch: string,
  baseUrl: string = DEFAULT_DOWNLOAD_URL,
  table: ChecksumTable = CHECKSUMS,
): Release {
  const assets = table[version];
  if (!assets) {
    throw new ActionError(
      `hadolint-gate: no verified checksum for hadolint ${version}. Known versions: ${Object.keys(table).join(', ')}, or system.`,
    );
  }
  const key = `${platform}-${arch}`;
  const found = assets[key as Platform];
  if (!found) {
    throw new ActionError(
      `hadolint-gate: hadolint ${version} has no verified binary for ${key} (known: ${Object.keys(assets).join(', ')}). ` +
        'Install hadolint yourself and set hadolint-version: system.',
    );
  }
  return {
    version,
    asset: found.asset,
    sha256: found.sha256,
    url: `${baseUrl.replace(/\/+$/, '')}/${version}/${found.asset}`,
  };
}

export interface InstallOptions {
  readonly table?: ChecksumTable;
  readonly cache?: ToolCache;
  readonly env?: NodeJS.ProcessEnv;
  readonly platform?: string;
  readonly arch?: string;
}

/** Path of the hadolint to run: the one on PATH for `system`, else the pinned, verified, cached release. */
export async function installHadolint(version: string, opts: InstallOptions = {}): Promise<string> {
  const env = opts.env ?? process.env;
  if (version === 'system') {
    const found = await io.which('hadolint', false);
    if (!found) {
      throw new ActionError(
        `hadolint-gate: hadolint-version is 'system' but no hadolint is on PATH. Install it first, or set hadolint-version to ${DEFAULT_VERSION}.`,
      );
    }
    return found;
  }
  const release = resolveRelease(
    version,
    opts.platform ?? process.platform,
    opts.arch ?? process.arch,
    env[DOWNLOAD_URL_ENV] || DEFAULT_DOWNLOAD_URL,
    opts.table,
  );
  const installed = await installVerifiedTool(
    { tool: 'hadolint', version, url: release.url, sha256: release.sha256, fileName: 'hadolint' },
    opts.cache ?? actionsToolCache,
  );
  return installed.path;
}
