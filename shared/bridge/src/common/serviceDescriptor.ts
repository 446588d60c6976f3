import type * as z from 'zod';

/**
 * A bridge service (main <-> renderer) is declared once: its channel and, per member, whether it is
 * an async call or a stream, with zod schemas for the arguments and the values. Main only dispatches
 * members listed here, and both hosts (Electron IPC, web shell) derive their wiring from it.
 */
export interface CallMember<A extends z.ZodTuple = z.ZodTuple, R extends z.ZodType = z.ZodType> {
  readonly kind: 'call';
  readonly args: A;
  readonly result: R;
}

export interface StreamMember<A extends z.ZodTuple = z.ZodTuple, V extends z.ZodType = z.ZodType> {
  readonly kind: 'stream';
  readonly args: A;
  readonly value: V;
}

export type ServiceMember = CallMember | StreamMember;

export interface ServiceDescriptor<M extends Record<string, ServiceMember> = Record<string, ServiceMember>> {
  /** Globally unique, prefixed `keeper.` so IPC channels are recognisably ours. */
  readonly channel: `keeper.${string}`;
  readonly members: M;
}

export const call = <A extends z.ZodTuple, R extends z.ZodType>(args: A, result: R): CallMember<A, R> => ({
  kind: 'call',
  args,
  result,
});

export const stream = <A extends z.ZodTuple, V extends z.ZodType>(args: A, value: V): StreamMember<A, V> => ({
  kind: 'stream',
  args,
  value,
});

export const defineService = <const C extends `keeper.${string}`, M extends Record<string, ServiceMember>>(
  channel: C,
  members: M,
): ServiceDescriptor<M> & { readonly channel: C } => ({ channel, members });

export type Unsubscribe = () => void;

export interface StreamObserver<T> {
  next(value: T): void;
  error?(error: Error): void;
}

/** What a renderer holds: calls return promises, streams take an observer and return an unsubscribe. */
export type ServiceClient<D extends ServiceDescriptor> = {
  readonly [K in keyof D['members']]: D['members'][K] extends CallMember<infer A, infer R>
    ? (...args: z.input<A>) => Promise<z.output<R>>
    : D['members'][K] extends StreamMember<infer A, infer V>
      ? (...args: [...z.input<A>, StreamObserver<z.output<V>>]) => Unsubscribe
      : never;
};

/** The minimal observable shape main implementations return (rxjs Observables satisfy it). */
export interface Subscribable<T> {
  subscribe(observer: { next(value: T): void; error(error: unknown): void; complete(): void }): { unsubscribe(): void };
}

/** What main implements for a service: the parsed arguments in, plain values or streams out. */
export type ServiceImplementation<D extends ServiceDescriptor> = {
  readonly [K in keyof D['members']]: D['members'][K] extends CallMember<infer A, infer R>
    ? (...args: z.output<A>) => Promise<z.input<R>>
    : D['members'][K] extends StreamMember<infer A, infer V>
      ? (...args: z.output<A>) => Subscribable<z.input<V>>
      : never;
};

/** A refusal the bridge itself raises, before any implementation runs. */
export class BridgeError extends Error {
  readonly code: 'unknown-service' | 'unknown-member' | 'invalid-arguments' | 'disconnected';

  constructor(code: BridgeError['code'], message: string) {
    super(message);
    this.name = 'BridgeError';
    this.code = code;
  }
}
