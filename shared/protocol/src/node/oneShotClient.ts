import type net from 'node:net';
import { prettifyError, safeParse } from 'zod/mini';
import type * as core from 'zod/v4/core';
import { AgentError, JsonRpcErrorCodes } from '../common/errors.ts';
import type { NotificationDescriptor, ParamsInput, ParamsOf, RequestDescriptor, ResultOf } from '../common/method.ts';
import { connectAgentSocket } from './agentSocket.ts';
import { DEFAULT_FRAME_LIMITS, FrameSplitter, FrameViolation } from './frameGuard.ts';
import { NotificationHandlers, type Disposable } from './notificationHandlers.ts';
import { RequestDeadlines } from './requestDeadlines.ts';

/**
 * A request as a one-shot CLI checks it: the method's name and a schema of only the part of the
 * result the CLI reads. `Params` is the protocol's own params type (compile time only: the agent
 * validates params with the protocol's schema and answers InvalidParams with the same text).
 */
export interface SubsetRequest<Params, Result extends core.$ZodType> {
  readonly method: string;
  readonly result: Result;
  /** Never set; carries the params type. */
  readonly params?: Params;
}

export interface SubsetNotification<Params extends core.$ZodType> {
  readonly method: string;
  readonly params: Params;
}

/** `never` (a compile error) for a subset schema that would refuse part of what the protocol's schema produces. */
type Covers<Full, Subset extends core.$ZodType> = Full extends core.output<Subset> ? unknown : never;

/**
 * The subset check of a protocol request, derived from its descriptor: the compiler refuses a
 * `result` schema whose output is not a supertype of the protocol result (a field the protocol does
 * not have, or with another type), so a subset can only ever be a weakening of the protocol's own
 * check. Called as `subsetRequest<typeof ElevationRequest>()(…)` with a type-only import: none of
 * the protocol's schemas is built.
 */
export function subsetRequest<D extends RequestDescriptor>() {
  return <Result extends core.$ZodType>(method: D['method'], result: Result & Covers<ResultOf<D>, Result>): SubsetRequest<ParamsInput<D>, Result> => ({
    method,
    result,
  });
}

/** As subsetRequest, for a notification the agent sends. */
export function subsetNotification<D extends NotificationDescriptor>() {
  return <Params extends core.$ZodType>(method: D['method'], params: Params & Covers<ParamsOf<D>, Params>): SubsetNotification<Params> => ({ method, params });
}

interface Pending {
  resolve(raw: unknown): void;
  reject(error: Error): void;
}

const DEFAULT_REQUEST_TIMEOUT_MS = 15_000;

/**
 * The agent client of one-shot CLIs (keeper-elevate, keeper-runas): the same Content-Length framed
 * JSON-RPC 2.0 as AgentClient, with the same frame guard and agent identity check, but without
 * vscode-jsonrpc and with zod/mini subset schemas, because a CLI pays for its start-up on every
 * call. Results and notifications are checked against the subset the CLI reads; a notification that
 * fails its schema is dropped. Requests leave in call order and the agent handles them in that order,
 * so a CLI may send its next request before the previous answer.
 */
export class OneShotClient {
  private closed = false;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly notificationHandlers = new NotificationHandlers();
  private readonly closeListeners = new Set<(reason: string) => void>();
  private readonly deadlines = new RequestDeadlines();
  private readonly socket: net.Socket;

  private constructor(socket: net.Socket) {
    this.socket = socket;
    const splitter = new FrameSplitter(DEFAULT_FRAME_LIMITS);
    socket.on('data', (chunk: Buffer) => {
      if (this.closed) return;
      let bodies: Buffer[];
      try {
        bodies = splitter.push(chunk);
      } catch (error) {
        this.markClosed(`the agent sent an invalid frame: ${error instanceof FrameViolation ? error.message : 'unreadable frame'}`);
        return;
      }
      for (const body of bodies) {
        if (this.closed) return;
        this.dispatch(body);
      }
    });
    socket.on('close', () => this.markClosed('socket closed'));
  }

  /** Connects, and rejects with an AgentIdentityError when the listening end is neither root nor this user. */
  static async connect(path: string, timeoutMs = 5_000): Promise<OneShotClient> {
    return new OneShotClient(await connectAgentSocket(path, timeoutMs));
  }

  get isClosed(): boolean {
    return this.closed;
  }

  async request<Params, Result extends core.$ZodType>(
    call: SubsetRequest<Params, Result>,
    params: Params,
    timeoutMs = DEFAULT_REQUEST_TIMEOUT_MS,
  ): Promise<core.output<Result>> {
    if (this.closed) throw new AgentError(JsonRpcErrorCodes.InternalError, 'the agent connection is closed');
    const id = this.nextId++;
    const answer = new Promise<unknown>((resolve, reject) => this.pending.set(id, { resolve, reject }));
    this.socket.write(encode({ jsonrpc: '2.0', id, method: call.method, params }));
    let raw: unknown;
    try {
      raw = await this.deadlines.race(
        answer,
        timeoutMs,
        () => new AgentError(JsonRpcErrorCodes.InternalError, `${call.method} timed out after ${timeoutMs} ms`),
      );
    } finally {
      this.pending.delete(id);
    }
    const result = safeParse(call.result, raw);
    if (!result.success) {
      throw new AgentError(JsonRpcErrorCodes.InternalError, `the agent answered ${call.method} with an invalid result: ${prettifyError(result.error)}`);
    }
    return result.data;
  }

  onNotification<Params extends core.$ZodType>(call: SubsetNotification<Params>, handler: (params: core.output<Params>) => void): Disposable {
    const handle = (raw: unknown) => {
      const parsed = safeParse(call.params, raw);
      if (parsed.success) handler(parsed.data);
    };
    return this.notificationHandlers.add(call.method, handle);
  }

  onClose(listener: (reason: string) => void): Disposable {
    this.closeListeners.add(listener);
    return { dispose: () => this.closeListeners.delete(listener) };
  }

  close(): void {
    this.socket.end();
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
      this.notificationHandlers.emit(method, params);
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
    if (this.closed) return;
    this.closed = true;
    this.socket.destroy();
    for (const waiting of this.pending.values()) waiting.reject(new AgentError(JsonRpcErrorCodes.InternalError, `the agent connection closed (${reason})`));
    this.pending.clear();
    for (const listener of this.closeListeners) listener(reason);
    this.closeListeners.clear();
  }
}

/** One message as one Content-Length frame (the agent's FrameReader reads it as it reads AgentClient's). */
function encode(message: object): string {
  const body = JSON.stringify(message);
  return `Content-Length: ${Buffer.byteLength(body, 'utf8')}\r\n\r\n${body}`;
}
