import WebSocket, { type RawData } from 'ws';
import { StreamMessage, type MachineEvent } from '../../../../shared/protocol/src/common/fleet.ts';
import type { TlsMaterial } from './fleetHttp.ts';

export interface StreamHandlers {
  /** A durable event; acknowledged only after this resolves, so a crash before that gets it again. */
  onEvent(event: MachineEvent): Promise<void>;
  onQueueChanged(approvalId: string): void;
  onPolicyChanged(version: number): void;
  onOpen(): void;
  onClose(code: number): void;
  /** What the stream could not use (a socket error, a message it cannot read); it carries on. */
  onProblem(level: 'debug' | 'warn', what: string): void;
}

/**
 * The live channel from the fleet (wss, client certificate). Events carry ids: one already handled
 * (a resend after a reconnect) is acknowledged again but not handled twice.
 */
export class FleetStream {
  private socket: WebSocket | null = null;
  private readonly handled = new Set<string>();
  private watchingQueue = false;
  private readonly handledOrder: string[] = [];

  private readonly url: string;
  private readonly tls: () => TlsMaterial;
  private readonly handlers: StreamHandlers;

  /** `url`: the fleet's https base URL; the stream is its wss `/v1/stream`. */
  constructor({ url, tls, handlers }: { url: string; tls: () => TlsMaterial; handlers: StreamHandlers }) {
    this.url = `${url.replace(/^http/, 'ws').replace(/\/$/, '')}/v1/stream`;
    this.tls = tls;
    this.handlers = handlers;
  }

  get open(): boolean {
    return this.socket?.readyState === WebSocket.OPEN;
  }

  connect(): void {
    if (this.socket && this.socket.readyState <= WebSocket.OPEN) return;
    const tls = this.tls();
    const socket = new WebSocket(this.url, { ca: tls.caPem, cert: tls.certPem, key: tls.keyPem, maxPayload: 1024 * 1024 });
    this.socket = socket;
    socket.on('open', () => {
      if (this.watchingQueue) socket.send(JSON.stringify({ type: 'watch', queue: true }));
      this.handlers.onOpen();
    });
    // A close follows every error, and onClose reconnects: the error itself is only worth a debug line.
    socket.on('error', (error) => this.handlers.onProblem('debug', `stream socket error: ${error.message}`));
    socket.on('unexpected-response', () => socket.terminate());
    socket.on('close', (code) => {
      if (this.socket === socket) this.socket = null;
      this.handlers.onClose(code);
    });
    socket.on('message', (data) => void this.receive(socket, textOf(data)));
  }

  /** Queue hints on or off (an approver's window opened or closed); kept across reconnects. */
  watchQueue(on: boolean): void {
    this.watchingQueue = on;
    if (this.socket?.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify({ type: 'watch', queue: on }));
  }

  close(): void {
    this.socket?.close(1000);
    this.socket = null;
  }

  private async receive(socket: WebSocket, text: string): Promise<void> {
    let parsed: ReturnType<typeof StreamMessage.safeParse>;
    try {
      parsed = StreamMessage.safeParse(JSON.parse(text));
    } catch {
      this.handlers.onProblem('warn', 'the fleet sent a stream message that is not JSON; ignored');
      return;
    }
    if (!parsed.success) {
      this.handlers.onProblem(
        'warn',
        `the fleet sent a stream message of no known shape (${parsed.error.issues.map((issue) => issue.path.join('.')).join(', ')}); ignored`,
      );
      return;
    }
    const message = parsed.data;
    if (message.type === 'approvals.changed') this.handlers.onQueueChanged(message.approvalId);
    else if (message.type === 'policy.changed') this.handlers.onPolicyChanged(message.version);
    else if (message.type === 'event') {
      if (!this.handled.has(message.id)) {
        await this.handlers.onEvent(message);
        this.remember(message.id);
      }
      if (socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify({ type: 'ack', ids: [message.id] }));
    }
  }

  private remember(id: string): void {
    this.handled.add(id);
    this.handledOrder.push(id);
    if (this.handledOrder.length > 10_000) this.handled.delete(this.handledOrder.shift()!);
  }
}

function textOf(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.isBuffer(data) ? data.toString('utf8') : Buffer.from(new Uint8Array(data)).toString('utf8');
}
