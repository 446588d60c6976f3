import * as z from 'zod';
import { BridgeError, type ServiceDescriptor, type ServiceImplementation, type Subscribable, type Unsubscribe } from '../common/serviceDescriptor.ts';

export interface ServiceBinding<D extends ServiceDescriptor = ServiceDescriptor> {
  readonly descriptor: D;
  readonly implementation: ServiceImplementation<D>;
}

export const bindService = <D extends ServiceDescriptor>(descriptor: D, implementation: ServiceImplementation<D>): ServiceBinding => ({
  descriptor,
  implementation,
});

export interface DispatchObserver {
  next(value: unknown): void;
  error(error: unknown): void;
  complete(): void;
}

/**
 * The only path from a renderer into main: looks the member up in the declaration (never on the
 * implementation object), validates the arguments, then calls the implementation. A window gets a
 * dispatcher holding just its own services.
 */
export class ServiceDispatcher {
  private readonly bindings: ReadonlyMap<string, ServiceBinding>;

  constructor(bindings: readonly ServiceBinding[]) {
    this.bindings = new Map(bindings.map((b) => [b.descriptor.channel, b]));
  }

  get channels(): readonly string[] {
    return [...this.bindings.keys()];
  }

  async call(channel: string, member: string, rawArgs: readonly unknown[]): Promise<unknown> {
    const { implementation, args } = this.resolve(channel, member, 'call', rawArgs);
    const fn = implementation as (...a: unknown[]) => Promise<unknown>;
    return fn(...args);
  }

  subscribe(channel: string, member: string, rawArgs: readonly unknown[], observer: DispatchObserver): Unsubscribe {
    const { implementation, args } = this.resolve(channel, member, 'stream', rawArgs);
    const fn = implementation as (...a: unknown[]) => Subscribable<unknown>;
    const subscription = fn(...args).subscribe(observer);
    return () => subscription.unsubscribe();
  }

  private resolve(channel: string, member: string, kind: 'call' | 'stream', rawArgs: readonly unknown[]) {
    const binding = this.bindings.get(channel);
    if (!binding) throw new BridgeError('unknown-service', `service ${channel} is not available to this window`);
    const declared = Object.hasOwn(binding.descriptor.members, member) ? binding.descriptor.members[member] : undefined;
    if (!declared || declared.kind !== kind) {
      throw new BridgeError('unknown-member', `${channel} has no ${kind} named ${member}`);
    }
    const parsed = declared.args.safeParse(rawArgs);
    if (!parsed.success) {
      throw new BridgeError('invalid-arguments', `invalid arguments for ${channel}.${member}: ${z.prettifyError(parsed.error)}`);
    }
    const implementation = (binding.implementation as Record<string, unknown>)[member];
    return { implementation, args: parsed.data as unknown[] };
  }
}
