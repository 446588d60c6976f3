import { describe, expect, it } from 'vitest';
import { warmStartPaths } from './startWarmup.ts';

describe('the startup snapshot warm-up', () => {
  // It runs while the blob is built (snapshotEntry.ts): a schema change that refuses its documents fails here
  // before it fails the build, and a refusal would warm the error paths instead of the start's.
  it('parses its command line, policy, collections and job as a start would', () => {
    expect(() => warmStartPaths()).not.toThrow();
  });
});
