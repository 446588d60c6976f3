import type { AuditLog } from '../audit/auditLog.ts';
import type { ElevationService } from '../elevation/elevationService.ts';
import type { ProgramFiles } from '../elevation/programFiles.ts';
import { editHandlers } from '../handlers/edit.ts';
import type { PolicyService } from '../policy/policyService.ts';
import type { AgentFeature } from '../runtime/agentFeature.ts';
import type { Clock } from '../time/clock.ts';
import { EditService } from './editService.ts';

/** `keeper-edit`: a protected file edited through a copy the caller owns, decided by File Access policies (`edit.*`); open edits close at stop. */
export function createEdit(deps: {
  elevation: ElevationService;
  policies: PolicyService;
  programs: ProgramFiles;
  audit: AuditLog;
  clock: Clock;
}): AgentFeature {
  const edits = new EditService({ ...deps, defaultOutcome: 'deny' });
  return { name: 'edit', handlers: editHandlers(edits), dispose: () => edits.closeAll() };
}
