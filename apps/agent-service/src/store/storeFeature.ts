import type { AgentStatus, LogLevel } from '../../../../shared/protocol/src/common/index.ts';
import { AuditLog } from '../audit/auditLog.ts';
import { loadAuditSigningKey } from '../audit/signingKey.ts';
import type { AgentFeature } from '../runtime/agentFeature.ts';
import { Plugins } from '../status/plugins.ts';
import { StatusService } from '../status/statusService.ts';
import type { Clock } from '../time/clock.ts';
import { AGENT_VERSION } from '../version.ts';
import { loadAgentId, openAgentDatabase, type AgentDatabase } from './database.ts';

export interface StoreFeatureOptions {
  readonly dataDir: string;
  readonly backend: AgentStatus['backend'];
  /** Online from the start (no --offline, and no fleet, which is offline until it first answers). */
  readonly online: boolean;
  readonly logLevel: LogLevel;
  readonly clock: Clock;
}

export interface StoreFeature extends AgentFeature {
  readonly db: AgentDatabase;
  readonly status: StatusService;
  readonly audit: AuditLog;
}

/** The database, the audit log kept in it, and the agent's status: what every other feature builds on. */
export function createStore({ dataDir, backend, online, logLevel, clock }: StoreFeatureOptions): StoreFeature {
  // Before the database opens: a refused key must end the process with nothing opened.
  const signer = loadAuditSigningKey(dataDir, true);
  const db = openAgentDatabase(dataDir);
  const startedAt = clock.now();
  const status = new StatusService({
    facts: { version: AGENT_VERSION, agentId: loadAgentId(db, startedAt), startedAt, backend, logLevel, online, healthUrl: null },
    clock,
  });
  status.setPlugin(Plugins.store, 'Healthy');
  // Listed now, before any feature adds its own, so agent.status keeps its order of plugins.
  status.setPlugin(Plugins.ipc, 'Starting');
  status.setPlugin(Plugins.health, 'Starting');
  return { name: 'store', handlers: [], db, status, audit: new AuditLog({ db, signer }), dispose: () => void db.close() };
}
