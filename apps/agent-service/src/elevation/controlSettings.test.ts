import { describe, expect, it } from 'vitest';
import { MfaSettings } from '../mfa/mfaSettings.ts';
import { JustificationSettings, NotifySettings, OperatorApprovalSettings } from '../prompts/promptSettings.ts';
import { DEFAULT_CONTROL_SETTINGS } from './controlRunner.ts';
import { controlSettingsFrom, promptSettingsInForce } from './controlSettings.ts';

const config = (sections: { justification?: unknown; notify?: unknown; operatorApproval?: unknown; mfa?: unknown }) => ({
  justification: JustificationSettings.parse(sections.justification ?? {}),
  notify: NotifySettings.parse(sections.notify ?? {}),
  operatorApproval: OperatorApprovalSettings.parse(sections.operatorApproval ?? {}),
  mfa: MfaSettings.parse(sections.mfa ?? {}),
});

describe('the controls’ settings from the agent config', () => {
  it('an empty config gives the seed’s defaults, every timeout left to the jobs', () => {
    expect(controlSettingsFrom(config({}))).toEqual(DEFAULT_CONTROL_SETTINGS);
    expect(promptSettingsInForce(DEFAULT_CONTROL_SETTINGS).timeoutsFromJobs).toEqual(['justification', 'acknowledge', 'operatorApproval', 'mfa']);
  });

  it('takes every configured value, and lists the timeouts it sets', () => {
    const settings = controlSettingsFrom(
      config({
        justification: { minLength: 3, maxLength: 30, timeoutSeconds: 2 },
        notify: { timeoutSeconds: 4 },
        operatorApproval: { onTimeout: 'allow', whenUndeliverable: 'allow', timeoutSeconds: 6 },
        mfa: { sessionMinutes: 9, promptTimeoutSeconds: 8, codeAttemptsPerPrompt: 2 },
      }),
    );
    expect(settings).toEqual({
      justificationTimeoutMs: 2000,
      justificationMinLength: 3,
      justificationMaxLength: 30,
      acknowledgeTimeoutMs: 4000,
      operatorApprovalTimeoutMs: 6000,
      operatorApprovalOnTimeout: 'allow',
      operatorApprovalWhenUndeliverable: 'allow',
      mfaTimeoutMs: 8000,
      mfaSessionMinutes: 9,
      mfaCodeAttemptsPerPrompt: 2,
      configuredTimeouts: ['justification', 'acknowledge', 'operatorApproval', 'mfa'],
    });
    expect(promptSettingsInForce(settings)).toEqual({
      justification: { minLength: 3, maxLength: 30, timeoutSeconds: 2 },
      notifyTimeoutSeconds: 4,
      operatorApproval: { timeoutSeconds: 6, onTimeout: 'allow', whenUndeliverable: 'allow' },
      mfa: { promptTimeoutSeconds: 8, sessionMinutes: 9, codeAttemptsPerPrompt: 2 },
      timeoutsFromJobs: [],
    });
  });
});
