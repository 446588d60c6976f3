import { AgentError, AgentErrorCodes } from '../../../../shared/protocol/src/common/index.ts';
import type { AuditLog } from '../audit/auditLog.ts';
import { REJECTION_WORDS } from '../identity/desktopSessions.ts';
import type { ConnectionContext } from '../ipc/agentConnection.ts';
import { isVerifiedDesktop } from '../ipc/connectionRegistry.ts';

/** What was refused, for the audit event. */
export interface GatedAction {
  readonly type: string;
  readonly requestId: string | null;
  readonly data: Readonly<Record<string, unknown>>;
}

/**
 * Only a verified desktop answers a person's prompt or sets up their second factor: any other
 * connection (a CLI, a process that merely says it is a desktop) is refused with the reason, and the
 * refusal is audited.
 */
export function requireVerifiedDesktop(context: ConnectionContext, audit: AuditLog, at: Date, action: GatedAction): void {
  if (isVerifiedDesktop(context)) return;
  const desktop = context.session?.desktop;
  const check = desktop && !desktop.verified ? desktop.reason : context.session?.clientKind === 'desktop' ? 'unchecked' : 'not-a-desktop';
  const user = context.peer.userName ?? String(context.peer.uid);
  audit.append(
    { type: action.type, actorUid: context.peer.uid, requestId: action.requestId, data: { ...action.data, reason: 'not a verified desktop', check } },
    at,
  );
  const why = desktop && !desktop.verified ? ` (${REJECTION_WORDS[desktop.reason]})` : '';
  throw new AgentError(AgentErrorCodes.Unauthorized, `this connection is not a verified desktop session of ${user}${why}, so it cannot answer prompts`, {
    reasonDetail: { code: 'desktop-unverified', values: { user } },
    check,
  });
}
