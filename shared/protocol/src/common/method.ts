import * as z from 'zod';

/**
 * One declaration per protocol method: the literal name, its direction and the zod schemas of
 * both ends. The typed client, the agent's dispatch and docs/protocol.md all derive from these.
 */
export interface RequestDescriptor<P extends z.ZodType = z.ZodType, R extends z.ZodType = z.ZodType> {
  readonly kind: 'request';
  /** Requests always travel from a client (desktop, CLI) to the agent. */
  readonly direction: 'clientToAgent';
  readonly method: string;
  readonly params: P;
  readonly result: R;
  /** Protocol version that introduced the method. */
  readonly since: number;
}

export interface NotificationDescriptor<P extends z.ZodType = z.ZodType> {
  readonly kind: 'notification';
  /** Notifications always travel from the agent to its clients. */
  readonly direction: 'agentToClient';
  readonly method: string;
  readonly params: P;
  readonly since: number;
}

export function defineRequest<const M extends string, P extends z.ZodType, R extends z.ZodType>(
  method: M,
  params: P,
  result: R,
  since = 1,
): RequestDescriptor<P, R> & { readonly method: M } {
  return { kind: 'request', direction: 'clientToAgent', method, params, result, since };
}

export function defineNotification<const M extends string, P extends z.ZodType>(
  method: M,
  params: P,
  since = 1,
): NotificationDescriptor<P> & { readonly method: M } {
  return { kind: 'notification', direction: 'agentToClient', method, params, since };
}

export type ParamsOf<D extends RequestDescriptor | NotificationDescriptor> = z.infer<D['params']>;
/** What a caller passes: the schema's input, where defaulted fields are optional. */
export type ParamsInput<D extends RequestDescriptor> = z.input<D['params']>;
export type ResultOf<D extends RequestDescriptor> = z.infer<D['result']>;

/** Params of a method that takes none: vscode-jsonrpc sends `null` or omits them; an object must be empty. */
export const NoParams = z.object({}).strict().nullish();
