import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { array, string } from './plainChecks.ts';

describe('plainChecks', () => {
  it('refuses a sparse list, as zod does (structured clone keeps holes, JSON cannot)', () => {
    // eslint-disable-next-line no-sparse-arrays
    const sparse = [, 'x'] as unknown;
    expect(z.array(z.string()).safeParse(sparse).success).toBe(false);
    expect(() => array(string())(sparse, 'list')).toThrow();
    expect(array(string())(['a', 'b'], 'list')).toEqual(['a', 'b']);
  });
});
