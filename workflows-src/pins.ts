/**
 * Third-party actions, each pinned to a full commit SHA (verified against the action's own repository).
 * The only place a third-party `uses:` is spelled; the generator appends `# <version>` to each pinned line.
 */
export interface Pin {
  readonly repo: string;
  readonly version: string;
  readonly sha: string;
}

export const PINS = {
  checkout: { repo: 'actions/checkout', version: 'v6.1.0', sha: 'd23441a48e516b6c34aea4fa41551a30e30af803' },
  setupNode: {
    repo: 'actions/setup-node',
    version: 'v6.5.0',
    sha: '249970729cb0ef3589644e2896645e5dc5ba9c38',
  },
  setupPython: {
    repo: 'actions/setup-python',
    version: 'v6.3.0',
    sha: 'ece7cb06caefa5fff74198d8649806c4678c61a1',
  },
  cache: { repo: 'actions/cache', version: 'v5.0.5', sha: '27d5ce7f107fe9357f9df03efb73ab90386fccae' },
  uploadArtifact: {
    repo: 'actions/upload-artifact',
    version: 'v7.0.0',
    sha: 'bbbca2ddaa5d8feaa63e36b76fdaad77386f024f',
  },
  downloadArtifact: {
    repo: 'actions/download-artifact',
    version: 'v8.0.1',
    sha: '3e5f45b2cfb9172054b4087a40e8e0b5a5461e7c',
  },
  uploadSarif: {
    repo: 'github/codeql-action/upload-sarif',
    version: 'v4.36.2',
    sha: '8aad20d150bbac5944a9f9d289da16a4b0d87c1e',
  },
  setupBuildx: {
    repo: 'docker/setup-buildx-action',
    version: 'v4.3.0',
    sha: '37fe631027851001ddb9b187196cc803df7f5f0e',
  },
} as const satisfies Record<string, Pin>;

export function uses(pin: Pin): string {
  return `${pin.repo}@${pin.sha}`;
}
