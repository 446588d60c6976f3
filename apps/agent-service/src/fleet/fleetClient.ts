import { X509Certificate } from 'node:crypto';
import { EventEmitter } from 'node:events';
import * as z from 'zod';
import {
  AuditIngestResponse,
  FleetApproval,
  Health,
  PolicyBundle,
  RenewResponse,
  type FileApprovalRequest,
  type FleetAuditEvent,
} from '../../../../shared/protocol/src/common/fleet.ts';
import { ApprovalRelay, toAgentError } from './approvalRelay.ts';
import { csrForKey, loadIdentity, saveCertificate, type FleetIdentity } from './fleetIdentity.ts';
import { FleetHttp, FleetUnreachableError, type TlsMaterial } from './fleetHttp.ts';
import { FleetStream } from './fleetStream.ts';
import { installBundle, readSyncState } from './policySync.ts';
import type { Logger } from '../log/logger.ts';

/** The agent's audit outbox as the fleet client sees it: events stay until the server has them. */
export interface AuditOutbox {
  pending(limit: number): readonly FleetAuditEvent[];
  delivered(ids: readonly string[]): void;
}

export interface FleetClientOptions {
  dataDir: string;
  log: Logger;
  outbox?: AuditOutbox;
  /** A decision (or escalation, expiry) for one of this machine's requests. Must be idempotent. */
  onApprovalUpdated?: (approval: FleetApproval) => Promise<void> | void;
  onQueueChanged?: (approvalId: string) => void;
  healthIntervalMs?: number;
  minBackoffMs?: number;
  maxBackoffMs?: number;
  /** How long a filing or withdrawal the server refused transiently (503) is retried. */
  fileRetryMs?: number;
}

export interface FleetStatus {
  online: boolean;
  url: string;
  machineId: string;
  group: string;
  policyVersion: number | null;
  lastSync: string | null;
}

/**
 * The agent's side of the fleet. Online means the server answers health checks; when it stops, the
 * client is offline (back-off doubling to a cap, no busy loop) and the seed's offline rules apply.
 * Coming back online: reconnect the stream, sync policies, drain the audit outbox.
 */
export class FleetClient extends EventEmitter<{ status: [FleetStatus] }> {
  readonly relay: ApprovalRelay;
  private identity: FleetIdentity;
  private http: FleetHttp;
  private readonly stream: FleetStream;
  private readonly options: Required<Pick<FleetClientOptions, 'healthIntervalMs' | 'minBackoffMs' | 'maxBackoffMs' | 'fileRetryMs'>> & FleetClientOptions;
  private online = false;
  private stopped = true;
  private backoff: number;
  private timer: NodeJS.Timeout | null = null;
  private renewTimer: NodeJS.Timeout | null = null;
  private draining: Promise<void> | null = null;

  constructor(options: FleetClientOptions) {
    super();
    const identity = loadIdentity(options.dataDir);
    if (!identity)
      throw new Error(`this machine is not registered with a fleet (no identity in ${options.dataDir}); run keeper-agent --fleet URL --register TOKEN`);
    this.identity = identity;
    this.options = { healthIntervalMs: 5_000, minBackoffMs: 500, maxBackoffMs: 60_000, fileRetryMs: 15_000, ...options };
    this.backoff = this.options.minBackoffMs;
    this.http = new FleetHttp({ baseUrl: identity.url, tls: this.tls() });
    this.relay = new ApprovalRelay({ http: () => this.http });
    this.stream = new FleetStream({
      url: identity.url,
      tls: () => this.tls(),
      handlers: {
        onEvent: async (event) => {
          await this.options.onApprovalUpdated?.(event.approval);
        },
        onQueueChanged: (id) => this.options.onQueueChanged?.(id),
        // The next health check that finds the fleet back syncs again.
        onPolicyChanged: () =>
          void this.syncPolicies().catch((error: unknown) =>
            this.options.log.warn({ err: error instanceof Error ? error.message : String(error) }, 'fleet policy sync failed'),
          ),
        onOpen: () => undefined,
        onClose: () => {
          if (!this.stopped) this.schedule(this.options.minBackoffMs);
        },
        onProblem: (level, what) => this.options.log[level](what),
      },
    });
  }

  get status(): FleetStatus {
    const sync = readSyncState(this.options.dataDir);
    return {
      online: this.online,
      url: this.identity.url,
      machineId: this.identity.machineId,
      group: this.identity.group,
      policyVersion: sync?.version ?? null,
      lastSync: sync?.syncedAt ?? null,
    };
  }

  get isOnline(): boolean {
    return this.online;
  }

  start(): void {
    this.stopped = false;
    this.scheduleRenewal();
    this.schedule(0);
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.renewTimer) clearTimeout(this.renewTimer);
    this.stream.close();
    this.http.close();
  }

  /** While an approver's window is open here: receive approvals.changed hints (see onQueueChanged). */
  watchQueue(on: boolean): void {
    this.stream.watchQueue(on);
  }

  /** One health check now; resolves with the new state. */
  async check(): Promise<boolean> {
    let ok: boolean;
    try {
      await this.http.call('GET', '/v1/health', Health);
      ok = true;
    } catch (error) {
      // Offline is a state the agent works in, not a fault: debug only (status and audit say it once).
      this.options.log.debug({ err: error instanceof Error ? error.message : String(error) }, 'fleet health check failed');
      ok = false;
    }
    const wasOnline = this.online;
    this.online = ok;
    if (!ok) {
      if (wasOnline) this.emit('status', this.status);
      return false;
    }
    this.stream.connect();
    if (!wasOnline) {
      this.backoff = this.options.minBackoffMs;
      await Promise.allSettled([this.syncPolicies(), this.drainOutbox()]);
      this.emit('status', this.status);
    } else if ((this.options.outbox?.pending(1).length ?? 0) > 0) {
      // Events queued while online, or a drain cut short by a dropped connection.
      await this.drainOutbox().catch((error: unknown) =>
        this.options.log.debug({ err: error instanceof Error ? error.message : String(error) }, 'audit outbox not drained; events stay queued'),
      );
    }
    return ok;
  }

  /**
   * Files an APPROVAL request; offline it is refused with the protocol's Offline error (the seed's
   * rule). A transient refusal (503: the server's database restarting) is retried with back-off for
   * up to `fileRetryMs`; the server files once per request id, so a retry never files twice.
   */
  async fileApproval(request: z.infer<typeof FileApprovalRequest>): Promise<FleetApproval> {
    try {
      return await this.retryTransient(() => this.http.call('POST', '/v1/approvals', FleetApproval, request));
    } catch (error) {
      throw toAgentError(error, ['APPROVAL']);
    }
  }

  /**
   * Takes back this machine's open request on the server (the requester withdrew it here), so
   * approvers can no longer decide it; resolves with the request as it stands there (a decision
   * that came first stays). Retried like a filing.
   */
  async withdrawApproval(requestId: string): Promise<FleetApproval> {
    try {
      return await this.retryTransient(() => this.http.call('POST', `/v1/approvals/${encodeURIComponent(requestId)}/withdraw`, FleetApproval));
    } catch (error) {
      throw toAgentError(error);
    }
  }

  private async retryTransient<T>(call: () => Promise<T>): Promise<T> {
    const deadline = Date.now() + this.options.fileRetryMs;
    for (let attempt = 0; ; attempt++) {
      try {
        return await call();
      } catch (error) {
        const wait = Math.min(this.options.minBackoffMs * 2 ** attempt, this.options.maxBackoffMs, 4_000) * (0.5 + Math.random() / 2);
        if (!(error instanceof FleetUnreachableError && error.transient) || Date.now() + wait > deadline) throw error;
        await new Promise((ok) => setTimeout(ok, wait));
      }
    }
  }

  async approvalOf(requestId: string): Promise<FleetApproval> {
    try {
      return await this.http.call('GET', `/v1/approvals/${encodeURIComponent(requestId)}`, FleetApproval);
    } catch (error) {
      throw toAgentError(error);
    }
  }

  async syncPolicies(): Promise<{ version: number; installed: boolean; problems: string[] }> {
    const bundle = await this.http.call('GET', '/v1/policies', PolicyBundle);
    const current = readSyncState(this.options.dataDir);
    if (current && current.version === bundle.version && current.sha256 === bundle.sha256) return { version: bundle.version, installed: false, problems: [] };
    const result = installBundle(this.options.dataDir, bundle);
    if (result.installed) this.emit('status', this.status);
    return { version: bundle.version, ...result };
  }

  /** Sends the outbox in batches until it is empty; an event is dropped from it only once stored. */
  drainOutbox(): Promise<void> {
    const outbox = this.options.outbox;
    if (!outbox) return Promise.resolve();
    if (this.draining) return this.draining;
    const run = async () => {
      for (;;) {
        const batch = outbox.pending(500);
        if (batch.length === 0) return;
        await this.http.call('POST', '/v1/audit', AuditIngestResponse, { events: batch });
        outbox.delivered(batch.map((e) => e.id));
      }
    };
    // `.finally` runs after this assignment even when the outbox was empty (no await inside).
    const draining: Promise<void> = run().finally(() => {
      if (this.draining === draining) this.draining = null;
    });
    this.draining = draining;
    return this.draining;
  }

  /** A new certificate for the same key; new connections use it at once. */
  async renew(): Promise<void> {
    const csr = await csrForKey(this.identity.keyPem, this.identity.machineId);
    const { certificate } = await this.http.call('POST', '/v1/renew', RenewResponse, { csr });
    saveCertificate(this.options.dataDir, certificate);
    this.identity = { ...this.identity, certPem: certificate };
    this.http.setTls(this.tls());
    this.stream.close();
    this.stream.connect();
    this.scheduleRenewal();
  }

  private tls(): TlsMaterial {
    return { caPem: this.identity.caPem, certPem: this.identity.certPem, keyPem: this.identity.keyPem };
  }

  /** Renew at half the certificate's life; on failure try again in a minute (offline is normal). */
  private scheduleRenewal(): void {
    if (this.renewTimer) clearTimeout(this.renewTimer);
    const cert = new X509Certificate(this.identity.certPem);
    const from = cert.validFromDate.getTime();
    const to = cert.validToDate.getTime();
    const at = from + (to - from) / 2;
    const attempt = () => {
      this.renew().catch((error: unknown) => {
        if (this.stopped) return;
        this.options.log.debug({ err: error instanceof Error ? error.message : String(error) }, 'certificate renewal failed; trying again in a minute');
        this.renewTimer = setTimeout(attempt, 60_000);
        this.renewTimer.unref();
      });
    };
    this.renewTimer = setTimeout(attempt, Math.max(1_000, Math.min(at - Date.now(), 2 ** 31 - 1)));
    this.renewTimer.unref();
  }

  private schedule(delay: number): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      void this.check().then((ok) => {
        if (ok) this.schedule(this.options.healthIntervalMs);
        else {
          this.schedule(this.backoff);
          this.backoff = Math.min(this.backoff * 2, this.options.maxBackoffMs);
        }
      });
    }, delay);
  }
}
