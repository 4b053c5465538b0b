import { describe, expect, it } from 'vitest';
import { parseProgress } from '../src/progress.js';

// Excerpts of real `docker buildx bake --progress=plain` output (buildx 0.13, BuildKit in dockerd 20.10).
const cold = `#0 building with "default" instance using docker driver

#2 [api internal] load build definition from Dockerfile
#2 DONE 0.0s

#6 [api 1/4] FROM docker.io/library/debian:bookworm-slim
#6 DONE 0.0s

#6 [worker base 1/2] FROM docker.io/library/debian:bookworm-slim
#6 DONE 0.0s

#9 [worker base 2/2] RUN echo worker > /role
#9 ...

#10 [api 2/4] RUN echo "hi api" > /greeting
#10 0.412 some output of the step
#10 DONE 0.9s

#9 [worker base 2/2] RUN echo worker > /role
#9 DONE 0.8s

#12 [api 3/4] COPY app.txt /app.txt
#12 CACHED

#13 [api 4/4] RUN cat /greeting /app.txt > /combined
#13 DONE 0.4s

#14 [worker stage-1 1/1] RUN cat /role > /ready
#14 DONE 1.4s

#11 [api] exporting to image
#11 DONE 0.1s
`;

const warm = `#6 [worker base 2/2] RUN echo worker > /role
#6 CACHED

#8 [worker base 1/2] FROM docker.io/library/debian:bookworm-slim
#8 DONE 0.0s

#10 [api 2/4] RUN echo "hi api" > /greeting
#10 CACHED

#11 [api 3/4] COPY app.txt /app.txt
#11 CACHED

#12 [api 4/4] RUN cat /greeting /app.txt > /combined
#12 CACHED

#14 [worker stage-1 1/1] RUN cat /role > /ready
#14 CACHED
`;

describe('parseProgress', () => {
  it.each<[string, string, string[], Record<string, { cached: number; total: number; seconds: number }>]>([
    [
      'a cold build of two targets (FROM not counted, a step announced twice counted once)',
      cold,
      ['api', 'worker'],
      { api: { cached: 1, total: 3, seconds: 1.3 }, worker: { cached: 0, total: 2, seconds: 2.2 } },
    ],
    [
      'a warm build: every step CACHED',
      warm,
      ['api', 'worker'],
      { api: { cached: 3, total: 3, seconds: 0 }, worker: { cached: 2, total: 2, seconds: 0 } },
    ],
    [
      'a single target: bake does not prefix the target, stage names are not services',
      '#5 [build 2/3] RUN npm ci\n#5 DONE 12.5s\n#6 [runtime 3/3] COPY --from=build /app /app\n#6 CACHED\n',
      ['api'],
      { api: { cached: 1, total: 2, seconds: 12.5 } },
    ],
    [
      'a step shared by two targets counts for both',
      '#7 [api 2/2] RUN true\n#7 [vectors 2/2] RUN true\n#7 CACHED\n',
      ['api', 'vectors'],
      { api: { cached: 1, total: 1, seconds: 0 }, vectors: { cached: 1, total: 1, seconds: 0 } },
    ],
    ['no output: zero steps, not an error', '', ['api'], { api: { cached: 0, total: 0, seconds: 0 } }],
    [
      'a failed step is neither cached nor timed',
      '#9 [api 2/2] RUN false\n#9 ERROR: process "/bin/sh -c false" did not complete successfully: exit code: 1\n',
      ['api'],
      { api: { cached: 0, total: 1, seconds: 0 } },
    ],
  ])('%s', (_name, output, services, expected) => {
    expect(parseProgress(output, services)).toEqual(expected);
  });
});
