import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createRotationServer, Rotation } from '../src/rotation.js';

describe('Rotation', () => {
  it.each([
    ['in rotation', false, false, 200],
    ['left rotation (SIGUSR1)', true, false, 503],
    ['draining (SIGTERM)', false, true, 503],
    ['both', true, true, 503],
  ])('%s -> %s', (_name, left, draining, code) => {
    const rotation = new Rotation(() => draining);
    if (left) rotation.leave();
    expect(rotation.status()).toBe(code);
  });

  it('follows the drain state as it changes', () => {
    let draining = false;
    const rotation = new Rotation(() => draining);
    expect(rotation.status()).toBe(200);
    draining = true;
    expect(rotation.status()).toBe(503);
  });
});

describe('createRotationServer', () => {
  let close: (() => void) | undefined;
  afterEach(() => close?.());

  it('answers every path with the rotation state, never cached', async () => {
    const rotation = new Rotation(() => false);
    const server = createRotationServer(rotation);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    close = () => {
      server.closeAllConnections();
      server.close();
    };
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const before = await fetch(`${base}/health`);
    expect([before.status, await before.json()]).toEqual([200, { rotation: 'in' }]);
    expect(before.headers.get('cache-control')).toBe('no-store');
    rotation.leave();
    const after = await fetch(`${base}/anything`);
    expect([after.status, await after.json()]).toEqual([503, { rotation: 'out' }]);
  });
});
