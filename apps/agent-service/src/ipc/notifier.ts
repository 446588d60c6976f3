import type { NotificationDescriptor, ParamsOf } from '../../../../shared/protocol/src/common/method.ts';
import type { Logger } from '../log/logger.ts';
import type { ConnectionContext } from './agentConnection.ts';
import type { ConnectionRegistry } from './connectionRegistry.ts';

/** Who a notification is for; the notifier resolves it against the open connections when it sends. */
export type Audience =
  /** Every connection that finished its handshake. */
  | { readonly to: 'sessions' }
  /** Every connection whose handshake said it is a desktop, verified or not (they only display, never answer). */
  | { readonly to: 'desktopClients' }
  /** Every connection of one user that finished its handshake. */
  | { readonly to: 'user'; readonly uid: number }
  /** The verified desktop sessions of one user: the only ones that are offered prompts and tasks. */
  | { readonly to: 'userDesktops'; readonly uid: number }
  /** Connections the caller chose (one connection, or the approvers allowed to see a request). */
  | { readonly to: 'connections'; readonly contexts: readonly ConnectionContext[] };

/**
 * The one place the agent sends notifications: domain services name an audience and a payload, and
 * never touch a connection. The payload is validated once with the protocol's schema; a connection
 * that is gone (or goes while sending) is logged at debug, since clients leave all the time.
 */
export class Notifier {
  private readonly registry: ConnectionRegistry;
  private readonly log: Logger;

  constructor({ registry, log }: { registry: ConnectionRegistry; log: Logger }) {
    this.registry = registry;
    this.log = log;
  }

  /** Returns how many connections it was handed to; nothing waits on delivery. */
  send<D extends NotificationDescriptor>(audience: Audience, descriptor: D, params: ParamsOf<D>): number {
    const parsed = descriptor.params.safeParse(params);
    if (!parsed.success) {
      // A bug in the agent, not in a client: say so loudly and send nothing malformed.
      this.log.error(
        { method: descriptor.method, issues: parsed.error.issues.map((issue) => issue.path.join('.')) },
        'notification payload does not match its schema; not sent',
      );
      return 0;
    }
    const contexts = this.resolve(audience);
    if (contexts.length === 0) this.log.debug({ method: descriptor.method, audience: audience.to }, 'notification has no connection to go to');
    for (const context of contexts) this.deliver(context, descriptor.method, parsed.data);
    return contexts.length;
  }

  private resolve(audience: Audience): readonly ConnectionContext[] {
    switch (audience.to) {
      case 'sessions':
        return this.registry.withSession();
      case 'desktopClients':
        return this.registry.withSession().filter((context) => context.session?.clientKind === 'desktop');
      case 'user':
        return this.registry.ofUser(audience.uid);
      case 'userDesktops':
        return this.registry.desktopsOf(audience.uid);
      case 'connections':
        return audience.contexts;
    }
  }

  private deliver(context: ConnectionContext, method: string, params: unknown): void {
    const undelivered = (error: unknown) =>
      this.log.debug(
        { method, uid: context.peer.uid, pid: context.peer.pid, err: error instanceof Error ? error.message : String(error) },
        'notification not delivered',
      );
    try {
      // vscode-jsonrpc throws at once (not through the promise) on a disposed connection.
      context.connection.sendNotification(method, params).catch(undelivered);
    } catch (error) {
      undelivered(error);
    }
  }
}
