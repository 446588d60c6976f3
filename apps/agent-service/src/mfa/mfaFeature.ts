import type { AuditLog } from '../audit/auditLog.ts';
import { mfaHandlers } from '../handlers/mfa.ts';
import type { AgentFeature } from '../runtime/agentFeature.ts';
import type { AgentDatabase } from '../store/database.ts';
import type { Clock } from '../time/clock.ts';
import type { MfaSettings } from './mfaSettings.ts';
import { MfaService } from './mfaService.ts';

export interface MfaFeature extends AgentFeature {
  readonly mfa: MfaService;
}

/** MFA enrollment and verification (`mfa.*`); its prompts go through the prompt broker, so it has nothing of its own to release. */
export function createMfa({
  db,
  dataDir,
  audit,
  clock,
  settings,
}: {
  db: AgentDatabase;
  dataDir: string;
  audit: AuditLog;
  clock: Clock;
  settings: MfaSettings;
}): MfaFeature {
  const mfa = new MfaService({ db, dataDir, clock, audit, settings: { sessionMs: settings.sessionMinutes * 60_000 } });
  return { name: 'mfa', mfa, handlers: mfaHandlers(mfa, audit, clock), dispose: () => undefined };
}
