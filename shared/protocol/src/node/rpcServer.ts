import type { MessageConnection, MessageReader } from 'vscode-jsonrpc/node';
import { Message, ResponseError } from 'vscode-jsonrpc/node';
import * as z from 'zod';
import { AgentError, JsonRpcErrorCodes } from '../common/errors.ts';
import type { ParamsOf, RequestDescriptor, ResultOf } from '../common/method.ts';

export type Handler<D extends RequestDescriptor, C> = (params: ParamsOf<D>, context: C) => ResultOf<D> | Promise<ResultOf<D>>;

/**
 * Registers a handler for one declared method: params are validated before the handler runs and
 * the result is validated before it leaves, so neither a client nor a handler bug crosses the edge.
 */
export function handle<D extends RequestDescriptor, C>(
  connection: MessageConnection,
  descriptor: D,
  context: () => C,
  handler: Handler<D, C>,
  onUnexpected: (method: string, error: unknown) => void,
): void {
  connection.onRequest(descriptor.method, async (...args: unknown[]) => {
    // vscode-jsonrpc passes the cancellation token last: handler(token) when the request omits params
    // (JSON-RPC allows that), handler(params, token) for an object, handler(...array, token) for an array.
    const raw = args.length <= 1 ? undefined : args.length === 2 ? args[0] : args.slice(0, -1);
    const parsed = descriptor.params.safeParse(raw);
    if (!parsed.success) {
      throw new ResponseError(JsonRpcErrorCodes.InvalidParams, `invalid params for ${descriptor.method}: ${z.prettifyError(parsed.error)}`);
    }
    try {
      const result = await handler(parsed.data as ParamsOf<D>, context());
      return descriptor.result.parse(result);
    } catch (error) {
      if (error instanceof AgentError) throw new ResponseError(error.code, error.message, error.data);
      if (error instanceof ResponseError) throw error;
      onUnexpected(descriptor.method, error);
      throw new ResponseError(JsonRpcErrorCodes.InternalError, `internal error in ${descriptor.method}`);
    }
  });
}

/**
 * Passes on only what the agent can act on: requests and notifications. Anything else a client
 * sends (a response, though the agent never asks anything; JSON that is no JSON-RPC call) would go
 * to vscode-jsonrpc's handleInvalidMessage or handleResponse, which format the whole message with
 * JSON.stringify(message, null, 4) even when nothing logs it: a few kB of nested brackets cost
 * seconds of CPU and 100+ MB (the indentation grows with the depth). Such messages get no answer
 * either way, so dropping them here changes nothing a client can see.
 */
export function callsOnly(reader: MessageReader): MessageReader {
  return {
    onError: reader.onError,
    onClose: reader.onClose,
    onPartialMessage: reader.onPartialMessage,
    listen: (callback) =>
      reader.listen((message) => {
        if (Message.isRequest(message) || Message.isNotification(message)) callback(message);
      }),
    dispose: () => reader.dispose(),
  };
}
