import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { alwaysIn, createRotationServer, fileSource, Rotation } from '../src/rotation.js';

describe('fileSource', () => {
  it.each([
    ['in', 'in'],
    ['in\n', 'in'],
    ['  in  ', 'in'],
    ['out', 'out'],
    ['', 'out'],
    ['IN', 'out'],
    ['inside', 'out'],
  ])('a file saying %j -> %s', async (text, expected) => {
    expect(await fileSource('/rotation', async () => text)()).toBe(expected);
  });

  it('is out when the file is missing or unreadable: a new instance waits until the engine admits it', async () => {
    const missing = fileSource('/rotation', () =>
      Promise.reject(Object.assign(new Error('ENOENT'), { code: 'ENOENT' })),
    );
    expect(await missing()).toBe('out');
  });
});

describe('Rotation', () => {
  it.each([
    ['in rotation', 'in', false, 200],
    ['out of rotation', 'out', false, 503],
    ['draining (SIGTERM) while in rotation', 'in', true, 503],
  ] as const)('%s -> %s', async (_name, state, draining, code) => {
    expect(
      await new Rotation(
        async () => state,
        () => draining,
      ).status(),
    ).toBe(code);
  });

  it('follows the source as it changes (the engine rewrites the file)', async () => {
    let state: 'in' | 'out' = 'out';
    const rotation = new Rotation(
      async () => state,
      () => false,
    );
    expect(await rotation.status()).toBe(503);
    state = 'in';
    expect(await rotation.status()).toBe(200);
  });
});

describe('createRotationServer', () => {
  let close: (() => void) | undefined;
  afterEach(() => close?.());

  it('answers every path with the rotation state, never cached', async () => {
    let state: 'in' | 'out' = 'in';
    const server = createRotationServer(
      new Rotation(
        async () => state,
        () => false,
      ),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    close = () => {
      server.closeAllConnections();
      server.close();
    };
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const before = await fetch(`${base}/health`);
    expect([before.status, await before.json()]).toEqual([200, { rotation: 'in' }]);
    expect(before.headers.get('cache-control')).toBe('no-store');
    state = 'out';
    const after = await fetch(`${base}/anything`);
    expect([after.status, await after.json()]).toEqual([503, { rotation: 'out' }]);
    expect(await alwaysIn()).toBe('in');
  });
});
