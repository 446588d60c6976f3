import { describe, expect, it } from 'vitest';
import { JustificationSettings, NotifySettings, OperatorApprovalSettings } from './promptSettings.ts';

describe('the prompt sections of the agent config', () => {
  it('defaults End User Approval to deny on timeout and when undeliverable (the seed’s fail-mode)', () => {
    expect(OperatorApprovalSettings.parse({})).toEqual({ onTimeout: 'deny', whenUndeliverable: 'deny' });
    expect(OperatorApprovalSettings.parse({ onTimeout: 'allow', whenUndeliverable: 'allow', timeoutSeconds: 30 })).toEqual({
      onTimeout: 'allow',
      whenUndeliverable: 'allow',
      timeoutSeconds: 30,
    });
  });

  it('defaults the justification to 10–2000 characters, the job deciding its timeout', () => {
    expect(JustificationSettings.parse({})).toEqual({ minLength: 10, maxLength: 2000 });
    expect(NotifySettings.parse({})).toEqual({});
  });

  it('refuses bad values and unknown keys, naming them', () => {
    const path = (schema: { safeParse(v: unknown): { error?: { issues: { path: PropertyKey[] }[] } } }, value: unknown) =>
      schema.safeParse(value).error?.issues[0]?.path;
    expect(path(OperatorApprovalSettings, { onTimeout: 'maybe' })).toEqual(['onTimeout']);
    expect(path(OperatorApprovalSettings, { whenUndeliverable: 'ask' })).toEqual(['whenUndeliverable']);
    expect(path(OperatorApprovalSettings, { timeoutSeconds: 0 })).toEqual(['timeoutSeconds']);
    expect(path(JustificationSettings, { minLength: 0 })).toEqual(['minLength']);
    expect(path(JustificationSettings, { maxLength: 2001 })).toEqual(['maxLength']);
    expect(path(JustificationSettings, { minLength: 50, maxLength: 40 })).toEqual(['minLength']);
    expect(path(NotifySettings, { timeoutSeconds: 86_401 })).toEqual(['timeoutSeconds']);
    expect(path(NotifySettings, { timeout: 5 })).toEqual([]);
  });
});
