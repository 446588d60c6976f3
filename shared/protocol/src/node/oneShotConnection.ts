import { AgentError, JsonRpcErrorCodes } from '../common/errors.ts';
import type { ParamsInput, RequestDescriptor } from '../common/method.ts';
import type { AgentChannel } from './agentChannel.ts';
import { connectAgentChannel } from './connectAgentChannel.ts';
import { CloseSignal } from './closeSignal.ts';
import { DEFAULT_FRAME_LIMITS, FrameSplitter, FrameViolation } from './frameGuard.ts';
import { NotificationHandlers, type Disposable } from './notificationHandlers.ts';
import { RequestDeadlines } from './requestDeadlines.ts';

interface Pending {
  resolve(raw: unknown): void;
  reject(error: Error): void;
}

export const DEFAULT_REQUEST_TIMEOUT_MS = 15_000;

/**
 * The transport of one-shot CLIs (keeper-elevate, keeper-runas): the same Content-Length framed
 * JSON-RPC 2.0 as AgentClient, with the same frame guard and agent identity check, without
 * vscode-jsonrpc, zod or (on POSIX) node:net: it talks through an AgentChannel (connectAgentChannel.ts). Answers and notifications are handed over unchecked; OneShotClient
 * checks them against the subset the CLI reads. Having no schema here lets a CLI write its first
 * requests before zod is evaluated, so the agent answers while the schemas are built. Requests leave
 * in call order and the agent handles them in that order, so a CLI may send its next request before
 * the previous answer.
 */
export class OneShotConnection {
  private readonly closing = new CloseSignal();
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly notificationHandlers = new NotificationHandlers();
  /** Notifications of held methods, in arrival order, until `release` (see `hold`). */
  private held: { readonly methods: ReadonlySet<string>; readonly queue: Array<readonly [string, unknown]> } | null = null;
  private readonly deadlines = new RequestDeadlines();
  private readonly channel: AgentChannel;

  private constructor(channel: AgentChannel) {
    this.channel = channel;
    const splitter = new FrameSplitter(DEFAULT_FRAME_LIMITS);
    channel.onData((chunk) => {
      if (this.closing.isClosed) return;
      let bodies: Buffer[];
      try {
        bodies = splitter.push(chunk);
      } catch (error) {
        this.markClosed(`the agent sent an invalid frame: ${error instanceof FrameViolation ? error.message : 'unreadable frame'}`);
        return;
      }
      for (const body of bodies) {
        if (this.closing.isClosed) return;
        this.dispatch(body);
      }
    });
    channel.onClose(() => this.markClosed('socket closed'));
  }

  /** Connects, and rejects with an AgentIdentityError when the listening end is neither root nor this user. */
  static async connect(path: string, timeoutMs = 5_000): Promise<OneShotConnection> {
    return new OneShotConnection(await connectAgentChannel(path, timeoutMs));
  }

  get isClosed(): boolean {
    return this.closing.isClosed;
  }

  /**
   * Writes the request at once and resolves with the agent's raw result, or rejects with an
   * AgentError (an error answer, a timeout, a closed connection). Called as
   * `send<typeof Descriptor>(…)` with a type-only import of the protocol's descriptor.
   */
  async send<D extends RequestDescriptor>(method: D['method'], params: ParamsInput<D>, timeoutMs = DEFAULT_REQUEST_TIMEOUT_MS): Promise<unknown> {
    if (this.closing.isClosed) throw new AgentError(JsonRpcErrorCodes.InternalError, 'the agent connection is closed');
    const id = this.nextId++;
    const answer = new Promise<unknown>((resolve, reject) => this.pending.set(id, { resolve, reject }));
    this.channel.write(encode({ jsonrpc: '2.0', id, method, params }));
    try {
      return await this.deadlines.race(answer, timeoutMs, () => new AgentError(JsonRpcErrorCodes.InternalError, `${method} timed out after ${timeoutMs} ms`));
    } finally {
      this.pending.delete(id);
    }
  }

  /** Every notification of `method`, unchecked. */
  onNotification(method: string, handler: (raw: unknown) => void): Disposable {
    return this.notificationHandlers.add(method, handler);
  }

  /**
   * Queues the notifications of `methods` until `release`, which hands them, in the order they came, to
   * the handlers added by then: a CLI that sends requests before its handlers' module is loaded loses
   * none of what the agent says meanwhile. One hold at a time.
   */
  hold(methods: readonly string[]): { release(): void } {
    if (this.held) throw new Error('notifications are already held');
    const held = { methods: new Set(methods), queue: [] as Array<readonly [string, unknown]> };
    this.held = held;
    return {
      release: () => {
        if (this.held !== held) return;
        this.held = null;
        for (const [method, params] of held.queue) this.notificationHandlers.emit(method, params);
      },
    };
  }

  /** Told once when the connection closes; a listener added after that is told at the next microtask. */
  onClose(listener: (reason: string) => void): Disposable {
    return this.closing.onClose(listener);
  }

  close(): void {
    this.markClosed('closed by client');
  }

  /** One message from the agent: an answer to a pending request or a notification; anything else is ignored. */
  private dispatch(body: Buffer): void {
    let message: unknown;
    try {
      message = JSON.parse(body.toString('utf8'));
    } catch {
      return;
    }
    if (typeof message !== 'object' || message === null) return;
    const { id, method, params, result, error } = message as { id?: unknown; method?: unknown; params?: unknown; result?: unknown; error?: unknown };
    if (typeof method === 'string') {
      if (id !== undefined) return;
      if (this.held?.methods.has(method)) this.held.queue.push([method, params]);
      else this.notificationHandlers.emit(method, params);
      return;
    }
    const waiting = typeof id === 'number' ? this.pending.get(id) : undefined;
    if (!waiting) return;
    this.pending.delete(id as number);
    if (error !== undefined) {
      const { code, message: text, data } = (error ?? {}) as { code?: unknown; message?: unknown; data?: unknown };
      waiting.reject(
        new AgentError(
          typeof code === 'number' ? code : JsonRpcErrorCodes.InternalError,
          typeof text === 'string' ? text : 'the agent refused the request',
          data,
        ),
      );
    } else {
      waiting.resolve(result);
    }
  }

  private markClosed(reason: string): void {
    if (this.closing.isClosed) return;
    this.channel.close();
    for (const waiting of this.pending.values()) waiting.reject(new AgentError(JsonRpcErrorCodes.InternalError, `the agent connection closed (${reason})`));
    this.pending.clear();
    this.closing.close(reason);
  }
}

/** One message as one Content-Length frame (the agent's FrameReader reads it as it reads AgentClient's). */
function encode(message: object): string {
  const body = JSON.stringify(message);
  return `Content-Length: ${Buffer.byteLength(body, 'utf8')}\r\n\r\n${body}`;
}
