import { jsonLinesSink, syslogSink, type AuditSink } from '../../agent-service/src/audit/auditSinks.ts';
import { ServerConfig, type ServerConfigInput } from './config.ts';
import { startListener, type Listener } from './db/listener.ts';
import { migrate } from './db/migrate.ts';
import { createPool, type Db } from './db/pool.ts';
import { buildApp, type FleetApp } from './http/server.ts';
import { createLogger } from './log.ts';
import { loadOrCreateCa, type FleetCa } from './pki/ca.ts';
import { sweepDue } from './services/approvals.ts';
import { forwardAudit } from './services/auditForwarder.ts';
import { CHANNELS } from './services/channels.ts';
import { MachineCache } from './services/machineCache.ts';
import { MachineRateLimiter } from './services/rateLimit.ts';
import { StreamHub } from './services/streamHub.ts';

export interface RunningFleetServer {
  readonly url: string;
  readonly port: number;
  readonly ca: FleetCa;
  readonly db: Db;
  readonly app: FleetApp;
  readonly hub: StreamHub;
  close(): Promise<void>;
}

/**
 * One stateless instance: migrate (waiting for another instance that migrates), open the CA, serve,
 * listen for the other instances' changes, and run the timers. Any number may share one database.
 */
export async function startFleetServer(input: ServerConfigInput): Promise<RunningFleetServer> {
  const config = ServerConfig.parse(input);
  const log = createLogger(config.logLevel, config.instance);
  await migrate(config.databaseUrl, log);
  const db = createPool(config.databaseUrl, log, config.poolSize);
  const ca = await loadOrCreateCa(
    config.dataDir,
    config.caCertFile && config.caKeyFile ? { certFile: config.caCertFile, keyFile: config.caKeyFile } : undefined,
  );
  const ackDb = createPool(config.databaseUrl, log, 2, { asynchronousCommit: true });
  const hub = new StreamHub(db, ackDb, log);
  const machines = new MachineCache(db);
  const onNotify = (channel: string, payload: string) => {
    if (channel === CHANNELS.revoked) machines.revoked(payload);
    hub.onNotify(channel, payload);
  };
  const listener: Listener = startListener(
    config.databaseUrl,
    Object.values(CHANNELS),
    log,
    onNotify,
    () => hub.onReconnect(),
    (up) => machines.setListening(up),
  );
  const limits = new MachineRateLimiter(db, config);
  const app = await buildApp({ config, db, ca, hub, machines, limits, log }, await ca.issueServerCert(config.hostnames));
  const sinks: AuditSink[] = [];
  if (config.auditJsonl) sinks.push(jsonLinesSink(config.auditJsonl));
  if (config.auditSyslog) sinks.push(syslogSink(config.auditSyslog));
  let sweeping = false;
  const sweeper = setInterval(() => {
    if (sweeping) return;
    sweeping = true;
    sweepDue(db, config)
      .then(() => forwardAudit(db, sinks, log))
      .catch((error: unknown) => log.warn({ err: error }, 'timer sweep failed; retried next tick'))
      .finally(() => (sweeping = false));
  }, config.sweepIntervalMs);
  await app.listen({ host: config.host, port: config.port });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host === '127.0.0.1' ? 'localhost' : config.host;
  log.info({ port, instance: config.instance, caFingerprint: ca.fingerprint }, 'fleet server listening');
  return {
    url: `https://${host}:${port}`,
    port,
    ca,
    db,
    app,
    hub,
    async close() {
      clearInterval(sweeper);
      await app.close();
      await listener.stop();
      for (const sink of sinks) sink.close();
      await Promise.all([db.end(), ackDb.end()]);
    },
  };
}
