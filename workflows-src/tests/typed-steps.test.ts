import { describe, expect, it } from 'vitest';
import { LocalActionStep } from '../steps.js';

// The @ts-expect-error lines are the test that matters: `make typecheck` fails if a wrong or missing input
// stops being a compile error.
describe('LocalActionStep', () => {
  it('renders uses: ./actions/<name> with the given inputs', () => {
    const step = new LocalActionStep('hadolint-gate', {
      name: 'Lint',
      with: { 'failure-threshold': 'error' },
    });
    expect(step.step).toEqual({
      name: 'Lint',
      uses: './actions/hadolint-gate',
      with: { 'failure-threshold': 'error' },
    });
  });

  it('rejects unknown and missing inputs at compile time', () => {
    // @ts-expect-error 'failure-treshold' is not an input of hadolint-gate
    const typo = new LocalActionStep('hadolint-gate', { with: { 'failure-treshold': 'error' } });
    // @ts-expect-error eval-check requires 'results'
    const missing = new LocalActionStep('eval-check', { with: { thresholds: 'eval/thresholds.yaml' } });
    // @ts-expect-error there is no action named deploy
    const unknown = new LocalActionStep('deploy', { with: {} });
    expect([typo, missing, unknown].map((s) => s.step.uses)).toEqual([
      './actions/hadolint-gate',
      './actions/eval-check',
      './actions/deploy',
    ]);
  });
});
