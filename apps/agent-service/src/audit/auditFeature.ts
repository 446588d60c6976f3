import type { ApproverRoles } from '../approvals/approverRoles.ts';
import { auditHandlers } from '../handlers/audit.ts';
import type { Logger } from '../log/logger.ts';
import type { AgentFeature } from '../runtime/agentFeature.ts';
import type { StatusService } from '../status/statusService.ts';
import type { AgentDatabase } from '../store/database.ts';
import type { Clock, Scheduler } from '../time/clock.ts';
import { AuditForwarder } from './auditForwarder.ts';
import type { AuditLog } from './auditLog.ts';
import type { AuditSettings } from './auditSettings.ts';
import { jsonLinesSink, syslogSink } from './auditSinks.ts';

export interface AuditFeatureOptions {
  readonly settings: AuditSettings;
  readonly db: AgentDatabase;
  readonly audit: AuditLog;
  readonly status: StatusService;
  readonly roles: Pick<ApproverRoles, 'rolesOf'>;
  readonly clock: Clock;
  readonly scheduler: Scheduler;
  readonly log: Logger;
  /** Whether the agent served: only then does its stop go into the audit log. */
  readonly served: () => boolean;
}

/** Audit queries (`audit.*`), and the sinks the log is forwarded to (a JSON-lines file, syslog) whenever the agent is online. */
export function createAudit({ settings, db, audit, status, roles, clock, scheduler, log, served }: AuditFeatureOptions): AgentFeature {
  const sinks = [...(settings.jsonl ? [jsonLinesSink(settings.jsonl)] : []), ...(settings.syslog ? [syslogSink(settings.syslog)] : [])];
  const forwarder = new AuditForwarder({
    sinks,
    db,
    audit,
    clock,
    scheduler,
    isOnline: () => status.online,
    onError: (sink, error) => log.warn({ sink, err: error.message }, 'audit sink unavailable; events stay queued'),
  });
  const stopFlushOnReconnect = status.onChanged((snapshot) => {
    if (snapshot.online) void forwarder.flush();
  });
  void forwarder.flush();
  return {
    name: 'audit',
    handlers: auditHandlers(audit, roles),
    async dispose() {
      stopFlushOnReconnect();
      // Only an agent that served records its stop; a failed start adds nothing to the audit log.
      if (served()) {
        audit.checkpoint(clock.now());
        await forwarder.flush();
      }
      forwarder.stop();
    },
  };
}
