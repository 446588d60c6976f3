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

/** Lazy schemas whose tree was built, for the tests that check what a start or a request builds. */
const builtOnFirstUse = new WeakSet<z.ZodType>();

/**
 * A schema built at its first use (parse, JSON Schema) rather than when its module loads: the agent's
 * startup snapshot then holds one thunk instead of the schema's tree (each zod instance in it is
 * deserialised at every start), and a start builds only the methods it is asked. Parses, defaults and
 * error messages are the built schema's. Not for a schema a caller reads as a ZodObject or union
 * (`.shape`, `.extend`, `.options`): those stay eager. Marked free of side effects, so that a bundle drops
 * the schemas it never names, as it does zod's own calls (the CLIs' bundles).
 */
/* @__NO_SIDE_EFFECTS__ */
export function onFirstUse<T extends z.ZodType>(build: () => T): z.ZodLazy<T> {
  const schema: z.ZodLazy<T> = z.lazy(() => {
    builtOnFirstUse.add(schema);
    return build();
  });
  return schema;
}

/** Whether a schema made by `onFirstUse` was built; a schema that is not lazy always is. */
export function isBuilt(schema: z.ZodType): boolean {
  return !(schema instanceof z.ZodLazy) || builtOnFirstUse.has(schema);
}

/** Params of a method that takes none: vscode-jsonrpc sends `null` or omits them; an object must be empty. */
export const NoParams = z.object({}).strict().nullish();
