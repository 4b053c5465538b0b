import { describe, expect, it } from 'vitest';
import { mapInputSource } from '../../toolkit/src/index.js';
import { getInputs, parseBuildArgs } from '../src/inputs.js';

describe('build-args', () => {
  it.each<[string, [string, string][]]>([
    ['', []],
    ['NODE_ENV=production', [['NODE_ENV', 'production']]],
    [
      'A=1\n\n# a comment\nB=x,y=z ',
      [
        ['A', '1'],
        ['B', 'x,y=z'],
      ],
    ],
    ['EMPTY=', [['EMPTY', '']]],
    ['_UNDER = spaced value', [['_UNDER', ' spaced value']]],
  ])('%j parses', (text, expected) => {
    expect(parseBuildArgs(text)).toEqual(expected);
  });

  it.each([
    [
      'NO_EQUALS',
      "Input 'build-args': expected NAME=value lines with NAME of letters, digits and _ (not starting with a digit), got 'NO_EQUALS'.",
    ],
    ['1BAD=x', "got '1BAD=x'."],
    ['=value', "got '=value'."],
    ['BAD-NAME=x', "got 'BAD-NAME=x'."],
  ])('%j is refused', (text, message) => {
    expect(() => parseBuildArgs(text)).toThrow(message);
  });
});

describe('getInputs', () => {
  const read = (values: Record<string, string>) => getInputs(mapInputSource(values));

  it('applies the defaults', () => {
    const s = read({});
    expect(s).toMatchObject({
      composeFiles: ['docker/compose.yaml'],
      services: [],
      imagePrefix: '',
      tag: '',
      push: false,
      cache: 'local',
      buildArgs: [],
      buildMetadata: true,
      noCache: false,
    });
    expect(s.cacheDir).toMatch(/[/\\]\.cache[/\\]buildx$/);
  });

  it.each([
    [
      { services: 'api\nbad name' },
      "Input 'services': expected a service name (1-32 lower-case letters, digits and -, starting with a letter): the names ghcr-push and ssh-deploy accept; got 'bad name'.",
    ],
    [
      { services: 'worker_1' },
      "Input 'services': expected a service name (1-32 lower-case letters, digits and -, starting with a letter): the names ghcr-push and ssh-deploy accept; got 'worker_1'.",
    ],
    [
      { 'image-prefix': 'GHCR.io/Acme' },
      "Input 'image-prefix': expected a lower-case image name like ghcr.io/acme/shop, got 'GHCR.io/Acme'.",
    ],
    [{ 'image-prefix': 'ghcr.io/acme/' }, "Input 'image-prefix'"],
    [{ tag: 'a:b' }, "Input 'tag'"],
    [{ cache: 's3' }, "Input 'cache': expected one of gha|local|none, got 's3'."],
    [{ 'cache-dir': '../outside' }, "Input 'cache-dir': expected a path inside the workspace"],
    [{ push: 'maybe' }, "Input 'push': expected true or false, got 'maybe'."],
    [{ 'build-metadata': 'yes please' }, "Input 'build-metadata': expected true or false"],
  ])('refuses %j', (values, message) => {
    expect(() => read(values)).toThrow(message);
  });
});
