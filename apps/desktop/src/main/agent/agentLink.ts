import { BehaviorSubject, type Observable } from 'rxjs';
import { AgentStatusChanged, AgentStatusRequest, PROTOCOL_VERSION, SessionHello, type AgentStatus } from '../../../../../shared/protocol/src/common/index.ts';
import { AgentClient, type Disposable } from '../../../../../shared/protocol/src/node/agentClient.ts';
import { AgentError, JsonRpcErrorCodes, type ParamsInput, type RequestDescriptor, type ResultOf } from '../../../../../shared/protocol/src/common/index.ts';
import type { AgentStatusView } from '../../../../../shared/bridge/src/common/services/agentStatus.ts';

export interface AgentLinkOptions {
  readonly socketPath: string;
  readonly clientVersion: string;
  readonly now?: () => Date;
  /** Back-off between reconnect attempts: doubles from the first value up to the second. */
  readonly retryDelayMs?: readonly [initial: number, max: number];
}

/**
 * The desktop's one connection to the agent. It handshakes, keeps the latest status, and when the
 * agent goes away it says so at once and keeps reconnecting with back-off until the agent is back.
 */
export class AgentLink {
  private readonly options: Required<AgentLinkOptions>;
  private readonly view: BehaviorSubject<AgentStatusView>;
  private client: AgentClient | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private retryDelay: number;
  private stopped = false;
  private readonly features: Array<{ attach(client: AgentClient): Disposable[]; detached(): void }> = [];

  constructor(options: AgentLinkOptions) {
    this.options = { now: () => new Date(), retryDelayMs: [250, 5_000], ...options };
    this.retryDelay = this.options.retryDelayMs[0];
    this.view = new BehaviorSubject<AgentStatusView>(this.makeView('connecting', null, null));
  }

  get status$(): Observable<AgentStatusView> {
    return this.view.asObservable();
  }

  get current(): AgentStatusView {
    return this.view.value;
  }

  start(): void {
    void this.connect();
  }

  /**
   * Registers a feature that listens on every connection: `attach` runs before the handshake of
   * each (re)connect, so no notification is missed; `detached` runs when that connection is lost.
   */
  addFeature(feature: { attach(client: AgentClient): Disposable[]; detached(): void }): void {
    this.features.push(feature);
  }

  /** A request over the current connection; fails at once when the agent is not connected. */
  request<D extends RequestDescriptor>(descriptor: D, params: ParamsInput<D>, timeoutMs?: number): Promise<ResultOf<D>> {
    if (!this.client) return Promise.reject(new AgentError(JsonRpcErrorCodes.InternalError, 'the Keeper agent is not connected'));
    return this.client.request(descriptor, params, timeoutMs);
  }

  /** Fetches a fresh status if connected; otherwise reports the current (disconnected) view. */
  async refresh(): Promise<AgentStatusView> {
    if (this.client) {
      try {
        this.publish('connected', await this.client.request(AgentStatusRequest, undefined), null);
      } catch (error) {
        this.publish(this.view.value.connection, this.view.value.status, (error as Error).message);
      }
    }
    return this.view.value;
  }

  stop(): void {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.client?.close();
    this.client = null;
    this.view.complete();
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    let client: AgentClient;
    try {
      client = await AgentClient.connect(this.options.socketPath);
    } catch (error) {
      this.scheduleRetry(describeConnectError(error as NodeJS.ErrnoException, this.options.socketPath));
      return;
    }
    const attached = this.features.flatMap((feature) => feature.attach(client));
    client.onClose(() => {
      for (const disposable of attached) disposable.dispose();
      for (const feature of this.features) feature.detached();
    });
    try {
      client.onNotification(AgentStatusChanged, (status) => this.publish('connected', status, null));
      client.onClose(() => {
        if (this.client !== client) return;
        this.client = null;
        this.scheduleRetry('the agent closed the connection');
      });
      await client.request(SessionHello, {
        protocolVersion: PROTOCOL_VERSION,
        client: { kind: 'desktop', name: 'Keeper desktop', version: this.options.clientVersion },
      });
      const status = await client.request(AgentStatusRequest, undefined);
      if (this.stopped) return client.close();
      this.client = client;
      this.retryDelay = this.options.retryDelayMs[0];
      this.publish('connected', status, null);
    } catch (error) {
      client.close();
      this.scheduleRetry(`the agent refused the session: ${(error as Error).message}`);
    }
  }

  private scheduleRetry(reason: string): void {
    if (this.stopped) return;
    this.publish('disconnected', this.view.value.status, reason);
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      void this.connect();
    }, this.retryDelay);
    this.retryDelay = Math.min(this.retryDelay * 2, this.options.retryDelayMs[1]);
  }

  private publish(connection: AgentStatusView['connection'], status: AgentStatus | null, lastError: string | null): void {
    const previous = this.view.value;
    if (previous.connection === connection && previous.status === status && previous.lastError === lastError) return;
    this.view.next(this.makeView(connection, status, lastError));
  }

  private makeView(connection: AgentStatusView['connection'], status: AgentStatus | null, lastError: string | null): AgentStatusView {
    return { connection, status, lastError, changedAt: this.options.now().toISOString() };
  }
}

function describeConnectError(error: NodeJS.ErrnoException, socketPath: string): string {
  switch (error.code) {
    case 'ENOENT':
      return `no agent socket at ${socketPath}`;
    case 'ECONNREFUSED':
      return `nothing is listening on ${socketPath}`;
    case 'EACCES':
      return `not allowed to connect to ${socketPath}`;
    default:
      return error.message;
  }
}
