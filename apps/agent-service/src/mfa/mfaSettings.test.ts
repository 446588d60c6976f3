import { describe, expect, it } from 'vitest';
import { MfaSettings } from './mfaSettings.ts';

describe('the mfa section of the agent config', () => {
  it('defaults to one code per prompt: an invalid or expired code ends the request (the seed)', () => {
    expect(MfaSettings.parse({})).toEqual({ codeAttemptsPerPrompt: 1, sessionMinutes: 5 });
    expect(MfaSettings.parse({ codeAttemptsPerPrompt: 10, sessionMinutes: 15, promptTimeoutSeconds: 60 })).toEqual({
      codeAttemptsPerPrompt: 10,
      sessionMinutes: 15,
      promptTimeoutSeconds: 60,
    });
  });

  it('refuses other counts and unknown keys, naming them', () => {
    for (const bad of [0, 11, 2.5, '3']) {
      expect(MfaSettings.safeParse({ codeAttemptsPerPrompt: bad }).error?.issues[0]?.path).toEqual(['codeAttemptsPerPrompt']);
    }
    for (const bad of [0, 1441, 2.5]) expect(MfaSettings.safeParse({ sessionMinutes: bad }).error?.issues[0]?.path).toEqual(['sessionMinutes']);
    for (const bad of [0, 86_401, '60']) expect(MfaSettings.safeParse({ promptTimeoutSeconds: bad }).error?.issues[0]?.path).toEqual(['promptTimeoutSeconds']);
    expect(MfaSettings.safeParse({ codeAttempts: 3 }).error?.issues[0]).toMatchObject({ code: 'unrecognized_keys', keys: ['codeAttempts'] });
  });
});
