import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  challengeCode,
  formatOfflineCode,
  normalizeOfflineCode,
  offlineResponse,
  verifyOfflineResponse,
  type OfflineChallengeFacts,
} from './offlineApprovalCode.ts';

const facts: OfflineChallengeFacts = {
  machineId: '4f1c2b7e-0000-4000-8000-000000000001',
  machine: 'machine-a',
  uid: 1001,
  user: 'keeper-alice',
  path: '/usr/bin/true',
  sha256: 'a'.repeat(64),
  commandLine: '/usr/bin/true',
  cwd: '/tmp',
  expiresAt: '2026-12-07T06:00:00.000Z',
  nonce: '00112233445566778899aabbccddeeff',
};
const key = randomBytes(32);

describe('offline approval codes', () => {
  it('a challenge is 10 Crockford characters and changes with every fact it names', () => {
    const code = challengeCode(facts);
    expect(code).toMatch(/^[0-9A-HJKMNP-TV-Z]{10}$/);
    for (const change of [
      { cwd: '/' },
      { sha256: 'b'.repeat(64) },
      { commandLine: '/usr/bin/true x' },
      { expiresAt: '2026-12-07T06:00:01.000Z' },
      { nonce: 'ff'.repeat(16) },
      { user: 'keeper-bob' },
      { path: '/bin/true' },
    ]) {
      expect(challengeCode({ ...facts, ...change })).not.toBe(code);
    }
  });

  it('reads codes as heard: case, dashes, spaces and look-alikes do not matter; anything else is no code', () => {
    const code = challengeCode(facts);
    expect(normalizeOfflineCode(formatOfflineCode(code).toLowerCase())).toBe(code);
    expect(normalizeOfflineCode('o1l1i 2345-6')).toBe('0111123456');
    expect(normalizeOfflineCode('ABCDE-FGHJ')).toBeNull();
    expect(normalizeOfflineCode('ABCDE-FGHJU')).toBeNull();
  });

  it('a response verifies for its machine, challenge and approver only, and not under another key', () => {
    const challenge = challengeCode(facts);
    const response = formatOfflineCode(offlineResponse(key, facts.machineId, challenge, 'keeper-bob'));
    expect(verifyOfflineResponse(key, facts.machineId, challenge, 'keeper-bob', response)).toBe(true);
    expect(verifyOfflineResponse(key, facts.machineId, challenge, 'keeper-carol', response)).toBe(false);
    expect(verifyOfflineResponse(key, facts.machineId, challengeCode({ ...facts, nonce: 'ee'.repeat(16) }), 'keeper-bob', response)).toBe(false);
    expect(verifyOfflineResponse(key, '4f1c2b7e-0000-4000-8000-000000000002', challenge, 'keeper-bob', response)).toBe(false);
    expect(verifyOfflineResponse(randomBytes(32), facts.machineId, challenge, 'keeper-bob', response)).toBe(false);
    expect(verifyOfflineResponse(key, facts.machineId, challenge, 'keeper-bob', 'not a code')).toBe(false);
  });
});
