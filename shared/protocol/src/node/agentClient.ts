import type net from 'node:net';
import { createMessageConnection, ResponseError, type MessageConnection } from 'vscode-jsonrpc/node';
import * as z from 'zod';
import { AgentError, JsonRpcErrorCodes } from '../common/errors.ts';
import type { NotificationDescriptor, ParamsInput, ParamsOf, RequestDescriptor, ResultOf } from '../common/method.ts';
import { connectAgentSocket } from './agentSocket.ts';
import { CloseSignal } from './closeSignal.ts';
import { FrameViolation } from './frameGuard.ts';
import { FrameReader } from './frameReader.ts';
import { FrameWriter } from './frameWriter.ts';
import { NotificationHandlers, type Disposable } from './notificationHandlers.ts';
import { RequestDeadlines } from './requestDeadlines.ts';

export type { Disposable } from './notificationHandlers.ts';

const DEFAULT_REQUEST_TIMEOUT_MS = 15_000;

/**
 * The typed client every consumer of the agent uses (desktop main, CLIs, tests). Requests are
 * validated on the way out and results on the way back; notifications that fail their schema are
 * reported and dropped rather than handed on.
 */
export class AgentClient {
  private readonly closing = new CloseSignal();
  private readonly deadlines = new RequestDeadlines();
  /** Per method, every handler: vscode-jsonrpc keeps one per method, so a second would silently replace the first. */
  private readonly notificationHandlers = new NotificationHandlers();

  private readonly socket: net.Socket;
  private readonly connection: MessageConnection;

  private constructor(socket: net.Socket, connection: MessageConnection) {
    this.socket = socket;
    this.connection = connection;
    connection.onClose(() => this.markClosed('connection closed'));
    // The reader stops at a broken frame; nothing more can be read, so pending calls must not wait for their timeouts.
    connection.onError(([error]) => {
      if (error instanceof FrameViolation) this.markClosed(`the agent sent an invalid frame: ${error.message}`);
    });
    socket.on('close', () => this.markClosed('socket closed'));
  }

  /** Connects, and rejects with an AgentIdentityError when the listening end is neither root nor this user. */
  static async connect(path: string, timeoutMs = 5_000): Promise<AgentClient> {
    const socket = await connectAgentSocket(path, timeoutMs);
    const connection = createMessageConnection(new FrameReader(socket), new FrameWriter(socket));
    const client = new AgentClient(socket, connection);
    connection.listen();
    return client;
  }

  get isClosed(): boolean {
    return this.closing.isClosed;
  }

  async request<D extends RequestDescriptor>(descriptor: D, params: ParamsInput<D>, timeoutMs = DEFAULT_REQUEST_TIMEOUT_MS): Promise<ResultOf<D>> {
    if (this.closing.isClosed) throw new AgentError(JsonRpcErrorCodes.InternalError, 'the agent connection is closed');
    const checked = descriptor.params.safeParse(params);
    if (!checked.success) {
      throw new AgentError(JsonRpcErrorCodes.InvalidParams, `invalid params for ${descriptor.method}: ${z.prettifyError(checked.error)}`);
    }
    try {
      const raw = await this.deadlines.race(
        this.connection.sendRequest(descriptor.method, checked.data),
        timeoutMs,
        () => new AgentError(JsonRpcErrorCodes.InternalError, `${descriptor.method} timed out after ${timeoutMs} ms`),
      );
      const result = descriptor.result.safeParse(raw);
      if (!result.success) {
        throw new AgentError(
          JsonRpcErrorCodes.InternalError,
          `the agent answered ${descriptor.method} with an invalid result: ${z.prettifyError(result.error)}`,
        );
      }
      return result.data as ResultOf<D>;
    } catch (error) {
      if (error instanceof ResponseError) throw new AgentError(error.code, error.message, error.data);
      throw error;
    }
  }

  onNotification<D extends NotificationDescriptor>(
    descriptor: D,
    handler: (params: ParamsOf<D>) => void,
    onInvalid: (error: z.ZodError) => void = () => {},
  ): Disposable {
    const handle = (raw: unknown) => {
      const parsed = descriptor.params.safeParse(raw);
      if (parsed.success) handler(parsed.data as ParamsOf<D>);
      else onInvalid(parsed.error);
    };
    return this.notificationHandlers.add(descriptor.method, handle, () => {
      this.connection.onNotification(descriptor.method, (raw: unknown) => this.notificationHandlers.emit(descriptor.method, raw));
    });
  }

  /** Told once when the connection closes; a listener added after that is told at the next microtask. */
  onClose(listener: (reason: string) => void): Disposable {
    return this.closing.onClose(listener);
  }

  close(): void {
    this.socket.end();
    this.markClosed('closed by client');
  }

  private markClosed(reason: string): void {
    if (this.closing.isClosed) return;
    this.connection.dispose();
    this.socket.destroy();
    this.closing.close(reason);
  }
}
