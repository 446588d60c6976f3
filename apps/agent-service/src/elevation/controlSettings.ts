import type { PromptSettingsInForce } from '../../../../shared/protocol/src/common/index.ts';
import type { MfaSettings } from '../mfa/mfaSettings.ts';
import type { JustificationSettings, NotifySettings, OperatorApprovalSettings } from '../prompts/promptSettings.ts';
import { DEFAULT_CONTROL_SETTINGS, type ControlSettings, type PromptTimeout } from './controlRunner.ts';

export interface PromptConfig {
  readonly justification: JustificationSettings;
  readonly notify: NotifySettings;
  readonly operatorApproval: OperatorApprovalSettings;
  readonly mfa: MfaSettings;
}

/**
 * The controls' settings from the agent config. A timeout the config sets is listed in
 * `configuredTimeouts`, so it wins over a policy-controls job task's own; unset ones keep the
 * seed's defaults (and a job task may still set them).
 */
export function controlSettingsFrom({ justification, notify, operatorApproval, mfa }: PromptConfig): ControlSettings {
  const seconds = {
    justification: justification.timeoutSeconds,
    acknowledge: notify.timeoutSeconds,
    operatorApproval: operatorApproval.timeoutSeconds,
    mfa: mfa.promptTimeoutSeconds,
  };
  const configured = (Object.keys(seconds) as PromptTimeout[]).filter((key) => seconds[key] !== undefined);
  const ms = (key: PromptTimeout, fallback: number) => (seconds[key] === undefined ? fallback : seconds[key] * 1000);
  return {
    justificationTimeoutMs: ms('justification', DEFAULT_CONTROL_SETTINGS.justificationTimeoutMs),
    justificationMinLength: justification.minLength,
    justificationMaxLength: justification.maxLength,
    acknowledgeTimeoutMs: ms('acknowledge', DEFAULT_CONTROL_SETTINGS.acknowledgeTimeoutMs),
    operatorApprovalTimeoutMs: ms('operatorApproval', DEFAULT_CONTROL_SETTINGS.operatorApprovalTimeoutMs),
    operatorApprovalOnTimeout: operatorApproval.onTimeout,
    operatorApprovalWhenUndeliverable: operatorApproval.whenUndeliverable,
    mfaTimeoutMs: ms('mfa', DEFAULT_CONTROL_SETTINGS.mfaTimeoutMs),
    mfaSessionMinutes: mfa.sessionMinutes,
    mfaCodeAttemptsPerPrompt: mfa.codeAttemptsPerPrompt,
    configuredTimeouts: configured,
  };
}

/** What agent.status reports: the settings in force, and the timeouts a job task may still set. */
export function promptSettingsInForce(settings: ControlSettings): PromptSettingsInForce {
  const seconds = (ms: number) => ms / 1000;
  const all: PromptTimeout[] = ['justification', 'acknowledge', 'operatorApproval', 'mfa'];
  return {
    justification: {
      minLength: settings.justificationMinLength,
      maxLength: settings.justificationMaxLength,
      timeoutSeconds: seconds(settings.justificationTimeoutMs),
    },
    notifyTimeoutSeconds: seconds(settings.acknowledgeTimeoutMs),
    operatorApproval: {
      timeoutSeconds: seconds(settings.operatorApprovalTimeoutMs),
      onTimeout: settings.operatorApprovalOnTimeout,
      whenUndeliverable: settings.operatorApprovalWhenUndeliverable,
    },
    mfa: {
      promptTimeoutSeconds: seconds(settings.mfaTimeoutMs),
      sessionMinutes: settings.mfaSessionMinutes,
      codeAttemptsPerPrompt: settings.mfaCodeAttemptsPerPrompt,
    },
    timeoutsFromJobs: all.filter((key) => !settings.configuredTimeouts.includes(key)),
  };
}
